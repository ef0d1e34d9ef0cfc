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

Relies on CTranslate2 internals (checked against 4.8.5): a Whisper
vocabulary is multilingual iff it contains ``""``, the language count is
``id(<|nospeech|>) - id(<|startoftranscript|>) - 5``, and timestamp tokens
run from ``<|notimestamps|> + 1`` to the end of the vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from ctranslate2.specs import common_spec, transformer_spec, whisper_spec
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

__all__ = [
    "DEFAULT_TRANSCRIPT",
    "LANGUAGE_CODES",
    "build_tiny_whisper_model",
]

DEFAULT_TRANSCRIPT: Final = "turn on the kitchen light"
"""Words the model "hears" in every 30 s window (segment text gets a leading space)."""

SEED: Final = 1234
D_MODEL: Final = 64  # power of two: the class vectors are Hadamard rows
NUM_HEADS: Final = 2
NUM_ENCODER_LAYERS: Final = 2
NUM_DECODER_LAYERS: Final = 2
FFN_DIM: Final = 4 * D_MODEL
N_MELS: Final = 80
ENCODER_POSITIONS: Final = 1500  # 3000 mel frames / conv2 stride 2
DECODER_POSITIONS: Final = 448  # faster-whisper's hard-coded max_length
NUM_TIMESTAMPS: Final = 1501  # <|0.00|> .. <|30.00|> in 0.02 s steps

WEIGHT_STD: Final = 0.02
"""Standard deviation of the random weights (as in Whisper's initialisation)."""

TRANSITION_LOGIT: Final = 16.0
"""Logit of the scripted next token; every other logit stays near zero."""

LANGUAGE_CODES: Final = (
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr",
    "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi", "vi",
    "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk",
    "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk",
    "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc",
    "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo",
    "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue",
)  # fmt: skip
"""Whisper's 100 language codes, in Whisper's token order."""

EOT: Final = "<|endoftext|>"
SOT: Final = "<|startoftranscript|>"
TASK_TOKENS: Final = ("<|translate|>", "<|transcribe|>")
OTHER_SPECIAL_TOKENS: Final = ("<|startoflm|>", "<|startofprev|>", "<|nospeech|>")
NO_TIMESTAMPS: Final = "<|notimestamps|>"
SPACE: Final = "Ġ"  # byte-level spelling of " "

# Decoder state-machine classes (index into the Hadamard class vectors).
CLASS_OTHER: Final = 0
CLASS_SOT: Final = 1
CLASS_LANGUAGE: Final = 2
CLASS_TASK: Final = 3
CLASS_START: Final = 4
CLASS_FIRST_WORD: Final = 5
MAX_WORDS: Final = D_MODEL - 1 - CLASS_FIRST_WORD  # Hadamard row 0 is not zero-mean

PREPROCESSOR_CONFIG: Final[dict[str, Any]] = {
    "chunk_length": 30,
    "feature_extractor_type": "WhisperFeatureExtractor",
    "feature_size": N_MELS,
    "hop_length": 160,
    "n_fft": 400,
    "n_samples": 480000,
    "nb_max_frames": 3000,
    "padding_side": "right",
    "padding_value": 0.0,
    "processor_class": "WhisperProcessor",
    "return_attention_mask": False,
    "sampling_rate": 16000,
}


@dataclass(frozen=True)
class Vocabulary:
    """Tokens of the tiny model, in id order.

    Attributes:
        text_tokens: Byte-level BPE tokens (ids ``0 .. len - 1``).
        merges: BPE merge rules producing the multi-byte tokens.
        special_tokens: Special and timestamp tokens, ids following the text.
        words: Byte-level tokens of the transcript words, in spoken order.
    """

    text_tokens: tuple[str, ...]
    merges: tuple[tuple[str, str], ...]
    special_tokens: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def tokens(self) -> list[str]:
        """All tokens ordered by id."""
        return [*self.text_tokens, *self.special_tokens]

    def ids(self) -> dict[str, int]:
        """Map every token to its id."""
        return {token: index for index, token in enumerate(self.tokens)}


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

    Returns:
        ``output_dir``.

    Raises:
        ValueError: If ``transcript`` repeats a word or has too many words.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    vocabulary = build_vocabulary(transcript_words(transcript))
    spec = build_spec(vocabulary, np.random.default_rng(SEED))
    spec.validate()
    spec.optimize(quantization="float32")
    spec.save(str(output_dir))
    build_tokenizer(vocabulary).save(str(output_dir / "tokenizer.json"))
    write_json(output_dir / "preprocessor_config.json", PREPROCESSOR_CONFIG)
    return output_dir


# --------------------------------------------------------------------------
# Vocabulary and tokenizer
# --------------------------------------------------------------------------


def byte_level_alphabet() -> list[str]:
    """Return GPT-2's byte-level characters, indexed by byte value."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    alphabet = {byte: chr(byte) for byte in printable}
    unprintable = [byte for byte in range(256) if byte not in alphabet]
    for offset, byte in enumerate(unprintable):
        alphabet[byte] = chr(256 + offset)
    return [alphabet[byte] for byte in range(256)]


def base_tokens() -> list[str]:
    """Return the 256 byte tokens in GPT-2 vocabulary order (ids 0..255)."""
    alphabet = byte_level_alphabet()
    return sorted(alphabet, key=lambda char: (ord(char) >= 256, ord(char)))


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
    alphabet = byte_level_alphabet()
    return ["".join(alphabet[byte] for byte in f" {word}".encode()) for word in words]


def prefix_merges(tokens: Iterable[str]) -> list[tuple[str, str]]:
    """Return left-to-right BPE merges that build each of ``tokens``.

    Every intermediate result is a prefix of a token, so all merge results
    can be added to the vocabulary.
    """
    merges: list[tuple[str, str]] = []
    for token in tokens:
        for end in range(1, len(token)):
            merge = (token[:end], token[end])
            if merge not in merges:
                merges.append(merge)
    return merges


def special_tokens() -> list[str]:
    """Return Whisper's special and timestamp tokens in id order."""
    return [
        EOT,
        SOT,
        *(f"<|{code}|>" for code in LANGUAGE_CODES),
        *TASK_TOKENS,
        *OTHER_SPECIAL_TOKENS,
        NO_TIMESTAMPS,
        *(f"<|{index * 0.02:.2f}|>" for index in range(NUM_TIMESTAMPS)),
    ]


def build_vocabulary(words: Sequence[str]) -> Vocabulary:
    """Build the multilingual vocabulary holding ``words`` as single tokens.

    CTranslate2 (4.8.5) treats a Whisper vocabulary as multilingual when it
    contains the empty token ``""``, as the real multilingual vocabulary
    does, so it is appended as the last text token.
    """
    merges = prefix_merges(words)
    text_tokens = [*base_tokens(), *(left + right for left, right in merges), ""]
    return Vocabulary(
        text_tokens=tuple(text_tokens),
        merges=tuple(merges),
        special_tokens=tuple(special_tokens()),
        words=tuple(words),
    )


def build_tokenizer(vocabulary: Vocabulary) -> Tokenizer:
    """Build a byte-level BPE ``tokenizers.Tokenizer`` matching ``vocabulary``.

    Raises:
        RuntimeError: If the tokenizer ids disagree with the model vocabulary.
    """
    bpe = models.BPE(
        vocab={token: index for index, token in enumerate(vocabulary.text_tokens)},
        merges=list(vocabulary.merges),
    )
    tokenizer = Tokenizer(bpe)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(
        [AddedToken(token, normalized=False) for token in vocabulary.special_tokens]
    )
    check_tokenizer_ids(tokenizer, vocabulary.tokens)
    return tokenizer


def check_tokenizer_ids(tokenizer: Tokenizer, tokens: Sequence[str]) -> None:
    """Raise ``RuntimeError`` unless ``tokenizer`` maps each token to its index."""
    for index, token in enumerate(tokens):
        if tokenizer.token_to_id(token) != index:
            raise RuntimeError(f"tokenizer id mismatch for {token!r}: expected {index}")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as indented, key-sorted JSON."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


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


def decoder_embeddings(vocabulary: Vocabulary, rng: np.random.Generator) -> np.ndarray:
    """Return token embeddings: the token's class vector plus small noise."""
    classes = token_classes(vocabulary)
    embeddings: np.ndarray = class_vectors()[classes] + random_array(rng, len(classes), D_MODEL)
    return embeddings


def output_projection(vocabulary: Vocabulary, rng: np.random.Generator) -> np.ndarray:
    """Return the (untied) output projection implementing ``transitions``."""
    vectors = class_vectors()
    projection = random_array(rng, len(vocabulary.tokens), D_MODEL)
    for token_class, next_id in transitions(vocabulary).items():
        projection[next_id] += vectors[token_class] * (TRANSITION_LOGIT / D_MODEL)
    return projection


# --------------------------------------------------------------------------
# CTranslate2 specification
# --------------------------------------------------------------------------


def random_array(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Return a float32 array of small normal values."""
    return (rng.standard_normal(shape) * WEIGHT_STD).astype(np.float32)


def set_layer_norm(spec: common_spec.LayerNormSpec) -> None:
    """Initialise a layer norm to the identity (gamma 1, beta 0)."""
    spec.gamma = np.ones(D_MODEL, dtype=np.float32)
    spec.beta = np.zeros(D_MODEL, dtype=np.float32)


def set_linear(
    spec: common_spec.LinearSpec, rng: np.random.Generator, out_dim: int, in_dim: int
) -> None:
    """Fill a linear layer with random ``[out_dim, in_dim]`` weights and a bias."""
    spec.weight = random_array(rng, out_dim, in_dim)
    spec.bias = random_array(rng, out_dim)


def set_feed_forward(spec: transformer_spec.FeedForwardSpec, rng: np.random.Generator) -> None:
    """Fill a pre-norm feed-forward block."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear_0, rng, FFN_DIM, D_MODEL)
    set_linear(spec.linear_1, rng, D_MODEL, FFN_DIM)


def set_self_attention(spec: Any, rng: np.random.Generator) -> None:
    """Fill a self-attention block (fused QKV projection, output projection)."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear[0], rng, 3 * D_MODEL, D_MODEL)
    set_linear(spec.linear[1], rng, D_MODEL, D_MODEL)


def set_cross_attention(spec: Any, rng: np.random.Generator) -> None:
    """Fill a cross-attention block (query, fused key/value, output projection)."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear[0], rng, D_MODEL, D_MODEL)
    set_linear(spec.linear[1], rng, 2 * D_MODEL, D_MODEL)
    set_linear(spec.linear[2], rng, D_MODEL, D_MODEL)


def fill_encoder(spec: whisper_spec.WhisperEncoderSpec, rng: np.random.Generator) -> None:
    """Fill the audio encoder: two convolutions, positions, layers, final norm."""
    spec.conv1.weight = random_array(rng, D_MODEL, N_MELS, 3)
    spec.conv1.bias = random_array(rng, D_MODEL)
    spec.conv2.weight = random_array(rng, D_MODEL, D_MODEL, 3)
    spec.conv2.bias = random_array(rng, D_MODEL)
    spec.position_encodings.encodings = random_array(rng, ENCODER_POSITIONS, D_MODEL)
    set_layer_norm(spec.layer_norm)
    for layer in spec.layer:
        set_self_attention(layer.self_attention, rng)
        set_feed_forward(layer.ffn, rng)


def fill_decoder(
    spec: transformer_spec.TransformerDecoderSpec,
    vocabulary: Vocabulary,
    rng: np.random.Generator,
) -> None:
    """Fill the text decoder with the state-machine embeddings and projection."""
    spec.embeddings.weight = decoder_embeddings(vocabulary, rng)
    spec.position_encodings.encodings = random_array(rng, DECODER_POSITIONS, D_MODEL)
    set_layer_norm(spec.layer_norm)
    for layer in spec.layer:
        set_self_attention(layer.self_attention, rng)
        set_cross_attention(layer.attention, rng)
        set_feed_forward(layer.ffn, rng)
    spec.projection.weight = output_projection(vocabulary, rng)


def configure(spec: whisper_spec.WhisperSpec, vocabulary: Vocabulary) -> None:
    """Set the ``config.json`` fields the way the transformers converter does."""
    ids = vocabulary.ids()
    config = spec.config
    config.suppress_ids = []
    config.suppress_ids_begin = [ids[SPACE], ids[EOT]]
    config.lang_ids = sorted(ids[f"<|{code}|>"] for code in LANGUAGE_CODES)
    config.alignment_heads = [
        [layer, head]
        for layer in range(NUM_DECODER_LAYERS // 2, NUM_DECODER_LAYERS)
        for head in range(NUM_HEADS)
    ]


def build_spec(vocabulary: Vocabulary, rng: np.random.Generator) -> whisper_spec.WhisperSpec:
    """Return a fully populated (not yet validated) ``WhisperSpec``."""
    spec = whisper_spec.WhisperSpec(NUM_ENCODER_LAYERS, NUM_HEADS, NUM_DECODER_LAYERS, NUM_HEADS)
    fill_encoder(spec.encoder, rng)
    fill_decoder(spec.decoder, vocabulary, rng)
    configure(spec, vocabulary)
    spec.register_vocabulary(vocabulary.tokens)
    return spec
