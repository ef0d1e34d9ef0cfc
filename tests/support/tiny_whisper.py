"""Build a tiny Whisper model that ``faster_whisper`` can load (no downloads needed).

The model is written in the CTranslate2 format, with the same files and
config fields as ``ct2-transformers-converter`` output, so the real
``faster_whisper.WhisperModel`` / ``ctranslate2.models.Whisper`` code paths
(feature extraction, language detection, prompting, beam search, timestamp
rules, word alignment, VAD) run unchanged:

* ``model.bin``, ``config.json`` and ``vocabulary.json`` come from a
  ``ctranslate2.specs.WhisperSpec`` (``d_model=64``, 2 encoder and 2 decoder
  layers, 2 heads, 80 mel bins) saved as float32, so every device and compute
  type loads it without conversion warnings.
* ``tokenizer.json`` is a GPT-2 style byte-level BPE tokenizer (like the real
  Whisper tokenizer) built with the ``tokenizers`` library.
* ``preprocessor_config.json`` holds the standard 80-mel feature settings.

Token layout (same order as the real multilingual Whisper vocabulary)::

    0 .. 255      byte-level tokens (id 220 is "Ġ", the space)
    256 ..        merged word tokens of the transcript (" turn", " on", ...)
    eot - 1       "" (CTranslate2 reads this token as "multilingual model")
    eot           <|endoftext|>
    eot + 1       <|startoftranscript|>
    eot + 2 ..    100 language tokens <|en|> .. <|yue|>
    ..            <|translate|> <|transcribe|> <|startoflm|> <|startofprev|>
                  <|nospeech|> <|notimestamps|>
    ..            1501 timestamp tokens <|0.00|> .. <|30.00|>

Output: the encoder has seeded random weights, but the decoder is a
hand-wired state machine so decoding is short and deterministic whatever
the audio. Every token embedding is a large +-1 Hadamard "class" vector (plus
small noise) and the untied output projection maps each class to one next
token with a logit margin of about 16 (the random attention/FFN layers only
add noise of about 0.1). The transitions are::

    <|startoftranscript|> -> <|en|>          (auto-detect says "en", p ~ 1)
    <|translate|>, <|transcribe|> -> <|0.00|>
    timestamps, <|notimestamps|> -> first transcript word
    word i -> word i + 1, last word -> <|endoftext|>
    anything else -> <|endoftext|>

So each 30 s window decodes to ``<|0.00|> turn on the kitchen light`` in a
handful of steps (far below faster-whisper's 224-token limit), without
temperature fallback, giving one segment with text
``" turn on the kitchen light"``. Audio that the VAD removes entirely yields
no segment at all. With ``word_timestamps=True`` faster-whisper seeks to the
last word's end, so the rest of a window is decoded again (a second segment).
A long, repetitive ``transcript`` can exceed faster-whisper's compression
ratio threshold and trigger its temperature fallback (sampling).

The vocabulary, tokenizer and random layers come from the GPU check's builder
(``wyoming_voice/gpu_check/whisper_model.py``); only the decoder's state machine is here.

Relies on CTranslate2 internals (checked against 4.8.5): a Whisper
vocabulary is multilingual iff it contains ``""``, the language count is
``id(<|nospeech|>) - id(<|startoftranscript|>) - 5``, and timestamp tokens
run from ``<|notimestamps|> + 1`` to the end of the vocabulary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np

from wyoming_voice.gpu_check.whisper_model import (
    EOT,
    LANGUAGE_CODES,
    NO_TIMESTAMPS,
    SOT,
    TASK_TOKENS,
    TINY_SHAPE,
    RandomWeights,
    Vocabulary,
    build_vocabulary,
    configure,
    new_spec,
    save_model,
    word_tokens,
)

__all__ = [
    "DEFAULT_TRANSCRIPT",
    "LANGUAGE_CODES",
    "build_tiny_whisper_model",
]

DEFAULT_TRANSCRIPT: Final = "turn on the kitchen light"
"""Words the model "hears" in every 30 s window (segment text gets a leading space)."""

SEED: Final = 1234
D_MODEL: Final = TINY_SHAPE.d_model  # power of two: the class vectors are Hadamard rows

TRANSITION_LOGIT: Final = 16.0
"""Logit of the scripted next token; every other logit stays near zero."""

# Decoder state-machine classes (index into the Hadamard class vectors).
CLASS_OTHER: Final = 0
CLASS_SOT: Final = 1
CLASS_LANGUAGE: Final = 2
CLASS_TASK: Final = 3
CLASS_START: Final = 4
CLASS_FIRST_WORD: Final = 5
MAX_WORDS: Final = D_MODEL - 1 - CLASS_FIRST_WORD  # Hadamard row 0 is not zero-mean


def build_tiny_whisper_model(output_dir: Path, *, transcript: str = DEFAULT_TRANSCRIPT) -> Path:
    """Build a tiny Whisper model in CTranslate2 format and return its folder.

    The folder loads with ``faster_whisper.WhisperModel(str(path))`` on any
    device and compute type; it is multilingual (all 100 languages, language
    auto-detection answers ``"en"``). Builds are seeded and byte-identical,
    take well under a second and write about 3 MB.

    Args:
        output_dir: Folder to write into; created if missing. Model files
            already in it are overwritten.
        transcript: Whitespace-separated words the model outputs for every
            30 s window (at most 58 distinct words; ``""`` makes it output
            no text).

    Raises:
        ValueError: If ``transcript`` repeats a word or has too many words.
    """
    vocabulary = build_vocabulary(transcript_words(transcript))
    weights = RandomWeights(TINY_SHAPE, np.random.default_rng(SEED))
    spec = new_spec(TINY_SHAPE)
    weights.encoder(spec.encoder)
    spec.decoder.embeddings.weight = decoder_embeddings(vocabulary, weights)
    weights.decoder_layers(spec.decoder)
    spec.decoder.projection.weight = output_projection(vocabulary, weights)
    configure(spec, vocabulary, TINY_SHAPE)
    return save_model(spec, vocabulary, TINY_SHAPE, Path(output_dir))


def transcript_words(transcript: str) -> list[str]:
    """Return the byte-level tokens (" word" spelled "Ġword") of ``transcript``.

    Raises:
        ValueError: If a word repeats or there are more than ``MAX_WORDS``.
    """
    words = transcript.split()
    if len(set(words)) != len(words):
        raise ValueError(f"transcript words must be distinct: {transcript!r}")
    if len(words) > MAX_WORDS:
        raise ValueError(f"transcript has more than {MAX_WORDS} words")
    return word_tokens(words)


# --------------------------------------------------------------------------
# Decoder state machine
# --------------------------------------------------------------------------


def class_vectors() -> np.ndarray:
    """Return ``D_MODEL - 1`` orthogonal, zero-mean +-1 vectors (Hadamard rows).

    Layer norm leaves such a vector unchanged, so a token embedding equal to
    one of them reaches the output projection almost intact.
    """
    hadamard = np.ones((1, 1), dtype=np.float32)
    while hadamard.shape[0] < D_MODEL:
        hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
    return hadamard[1:]


def token_classes(vocabulary: Vocabulary) -> np.ndarray:
    """Return the state-machine class of every token id."""
    ids = vocabulary.ids()
    classes = np.full(len(ids), CLASS_OTHER, dtype=np.int64)
    classes[ids[SOT]] = CLASS_SOT
    for code in LANGUAGE_CODES:
        classes[ids[f"<|{code}|>"]] = CLASS_LANGUAGE
    for token in TASK_TOKENS:
        classes[ids[token]] = CLASS_TASK
    classes[ids[NO_TIMESTAMPS] :] = CLASS_START  # <|notimestamps|> and timestamps
    for index, word in enumerate(vocabulary.words):
        classes[ids[word]] = CLASS_FIRST_WORD + index
    return classes


def transitions(vocabulary: Vocabulary) -> dict[int, int]:
    """Map each state-machine class to the id of the token it predicts next."""
    ids = vocabulary.ids()
    word_ids = [ids[word] for word in vocabulary.words]
    script = [*word_ids, ids[EOT]]
    table = {
        CLASS_OTHER: ids[EOT],
        CLASS_SOT: ids["<|en|>"],
        CLASS_LANGUAGE: ids["<|transcribe|>"],
        CLASS_TASK: ids["<|0.00|>"],
        CLASS_START: script[0],
    }
    for index in range(len(word_ids)):
        table[CLASS_FIRST_WORD + index] = script[index + 1]
    return table


def decoder_embeddings(vocabulary: Vocabulary, weights: RandomWeights) -> np.ndarray:
    """Return token embeddings: the token's class vector plus small noise."""
    classes = token_classes(vocabulary)
    embeddings: np.ndarray = class_vectors()[classes] + weights.array(len(classes), D_MODEL)
    return embeddings


def output_projection(vocabulary: Vocabulary, weights: RandomWeights) -> np.ndarray:
    """Return the (untied) output projection implementing ``transitions``."""
    vectors = class_vectors()
    projection = weights.array(len(vocabulary.tokens), D_MODEL)
    for token_class, next_id in transitions(vocabulary).items():
        projection[next_id] += vectors[token_class] * (TRANSITION_LOGIT / D_MODEL)
    return projection
