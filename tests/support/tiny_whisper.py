"""Build a tiny, random-weight Whisper model that ``faster_whisper`` can load.

The model is written in the CTranslate2 format, exactly like
``ct2-transformers-converter`` would write a converted checkpoint, so the
real ``faster_whisper.WhisperModel`` / ``ctranslate2.models.Whisper`` code
paths are exercised without downloading anything:

* ``model.bin``, ``config.json`` and ``vocabulary.json`` come from
  ``ctranslate2.specs.WhisperSpec`` filled with small seeded numpy arrays
  (``d_model=64``, 2 encoder and 2 decoder layers, 80 mel bins).
* ``tokenizer.json`` is a byte-level BPE tokenizer (GPT-2 style, like the
  real Whisper tokenizer) built with the ``tokenizers`` library.
* ``preprocessor_config.json`` holds the standard 80-mel feature settings.

Token layout (same order as the real multilingual Whisper vocabulary)::

    0..255        byte-level tokens (id 220 is "Ġ", the space)
    256..         a few merged word tokens (" hello", " world", ...)
    ...           "" (empty token, marks the vocabulary as multilingual)
    eot           <|endoftext|>
    eot+1         <|startoftranscript|>
    eot+2..       100 language tokens <|en|> ... <|yue|>
    ...           <|translate|> <|transcribe|> <|startoflm|> <|startofprev|>
                  <|nospeech|> <|notimestamps|>
    ...           1501 timestamp tokens <|0.00|> ... <|30.00|>

Decoding termination: random weights would otherwise emit garbage until the
decoder's length limit (224 new tokens per 30 s window). The output
projection therefore gets a bias of ``+10`` on ``<|endoftext|>`` and ``+5``
on ``<|en|>`` (random logits have a standard deviation of about 0.2). After
the mandatory leading timestamp token the decoder emits ``<|endoftext|>``
right away, so every window decodes in about two steps and the transcript is
empty; language auto-detection deterministically reports ``"en"``.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ctranslate2.specs import common_spec, transformer_spec, whisper_spec
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

__all__ = ["build_tiny_whisper_model"]

SEED = 1234
D_MODEL = 64
NUM_HEADS = 2
NUM_ENCODER_LAYERS = 2
NUM_DECODER_LAYERS = 2
FFN_DIM = 4 * D_MODEL
N_MELS = 80
ENCODER_POSITIONS = 1500  # 3000 mel frames / conv stride 2
DECODER_POSITIONS = 448  # faster-whisper's hard-coded max_length
WEIGHT_STD = 0.02
EOT_LOGIT_BIAS = 10.0
EN_LOGIT_BIAS = 5.0
NUM_TIMESTAMPS = 1501  # <|0.00|> ... <|30.00|> in 0.02 s steps

LANGUAGE_CODES: tuple[str, ...] = (
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

TASK_TOKENS: tuple[str, ...] = (
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nospeech|>",
    "<|notimestamps|>",
)

WORDS: tuple[str, ...] = (
    "hello",
    "world",
    "the",
    "turn",
    "on",
    "off",
    "light",
    "kitchen",
    "what",
    "time",
    "is",
    "it",
)

PREPROCESSOR_CONFIG: dict[str, Any] = {
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
    """Token strings of the tiny model plus the ids the builder needs.

    Attributes:
        text_tokens: Byte-level BPE tokens (ids ``0 .. len - 1``).
        merges: BPE merge rules producing the word tokens.
        special_tokens: Special and timestamp tokens, ids following the text.
    """

    text_tokens: tuple[str, ...]
    merges: tuple[tuple[str, str], ...]
    special_tokens: tuple[str, ...]

    @property
    def tokens(self) -> list[str]:
        """All tokens ordered by id."""
        return [*self.text_tokens, *self.special_tokens]

    def id_of(self, token: str) -> int:
        """Return the id of ``token``."""
        return self.tokens.index(token)

    @property
    def eot_id(self) -> int:
        """Id of ``<|endoftext|>`` (first special token)."""
        return len(self.text_tokens)

    @property
    def lang_ids(self) -> list[int]:
        """Ids of the language tokens, ascending."""
        return [self.id_of(f"<|{code}|>") for code in LANGUAGE_CODES]


def build_tiny_whisper_model(output_dir: pathlib.Path) -> pathlib.Path:
    """Build a tiny random-weight Whisper model in CTranslate2 format.

    The folder can be loaded with ``faster_whisper.WhisperModel(str(path))``
    (any device / compute type). Weights are seeded, so repeated builds are
    byte-identical. Building takes well under a second and writes < 1 MB.

    Args:
        output_dir: Folder to write into; created if missing. Existing model
            files in it are overwritten.

    Returns:
        ``output_dir`` (the model folder).
    """
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    vocabulary = build_vocabulary()
    spec = build_spec(vocabulary, np.random.default_rng(SEED))
    spec.validate()
    spec.optimize(quantization="float16")
    spec.save(str(output_dir))
    build_tokenizer(vocabulary).save(str(output_dir / "tokenizer.json"))
    write_json(output_dir / "preprocessor_config.json", PREPROCESSOR_CONFIG)
    return output_dir


# --------------------------------------------------------------------------
# Vocabulary and tokenizer
# --------------------------------------------------------------------------


def byte_level_alphabet() -> list[str]:
    """Return GPT-2's byte-to-unicode characters in GPT-2 vocabulary order."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    byte_values = list(printable)
    code_points = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            byte_values.append(byte)
            code_points.append(256 + extra)
            extra += 1
    return [chr(code_point) for code_point in code_points]


def word_merges(words: Iterable[str]) -> list[tuple[str, str]]:
    """Return left-to-right BPE merges building ``words`` and " " + ``words``.

    Args:
        words: Plain ASCII words.

    Returns:
        Unique merge rules; every intermediate result is a valid token.
    """
    merges: list[tuple[str, str]] = []
    for word in words:
        for variant in (word, "Ġ" + word):
            for end in range(1, len(variant)):
                merge = (variant[:end], variant[end])
                if merge not in merges:
                    merges.append(merge)
    return merges


def special_tokens() -> list[str]:
    """Return Whisper's special and timestamp tokens in id order."""
    return [
        "<|endoftext|>",
        "<|startoftranscript|>",
        *(f"<|{code}|>" for code in LANGUAGE_CODES),
        *TASK_TOKENS,
        *(f"<|{index * 0.02:.2f}|>" for index in range(NUM_TIMESTAMPS)),
    ]


def build_vocabulary() -> Vocabulary:
    """Build the tiny multilingual Whisper vocabulary.

    CTranslate2 treats a Whisper vocabulary as multilingual when it contains
    the empty token ``""`` (as the real multilingual vocabulary does), so it
    is appended as the last text token.
    """
    merges = word_merges(WORDS)
    text_tokens = byte_level_alphabet()
    for left, right in merges:
        text_tokens.append(left + right)
    text_tokens.append("")
    return Vocabulary(
        text_tokens=tuple(text_tokens),
        merges=tuple(merges),
        special_tokens=tuple(special_tokens()),
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
    """Raise if ``tokenizer`` does not map every token to its list index."""
    for index, token in enumerate(tokens):
        if tokenizer.token_to_id(token) != index:
            message = f"tokenizer id mismatch for {token!r}: expected {index}"
            raise RuntimeError(message)


def write_json(path: pathlib.Path, data: dict[str, Any]) -> None:
    """Write ``data`` as pretty, key-sorted JSON."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")


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
    spec: common_spec.LinearSpec,
    rng: np.random.Generator,
    out_dim: int,
    in_dim: int,
) -> None:
    """Fill a linear layer with random ``[out_dim, in_dim]`` weights and bias."""
    spec.weight = random_array(rng, out_dim, in_dim)
    spec.bias = random_array(rng, out_dim)


def set_feed_forward(
    spec: transformer_spec.FeedForwardSpec, rng: np.random.Generator
) -> None:
    """Fill a pre-norm feed-forward block."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear_0, rng, FFN_DIM, D_MODEL)
    set_linear(spec.linear_1, rng, D_MODEL, FFN_DIM)


def set_self_attention(spec: Any, rng: np.random.Generator) -> None:
    """Fill a self-attention block (fused QKV projection + output)."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear[0], rng, 3 * D_MODEL, D_MODEL)
    set_linear(spec.linear[1], rng, D_MODEL, D_MODEL)


def set_cross_attention(spec: Any, rng: np.random.Generator) -> None:
    """Fill a cross-attention block (Q, fused KV, output)."""
    set_layer_norm(spec.layer_norm)
    set_linear(spec.linear[0], rng, D_MODEL, D_MODEL)
    set_linear(spec.linear[1], rng, 2 * D_MODEL, D_MODEL)
    set_linear(spec.linear[2], rng, D_MODEL, D_MODEL)


def fill_encoder(
    spec: whisper_spec.WhisperEncoderSpec, rng: np.random.Generator
) -> None:
    """Fill the audio encoder: two convolutions, positions, layers, norm."""
    spec.conv1.weight = random_array(rng, D_MODEL, N_MELS, 3)
    spec.conv1.bias = random_array(rng, D_MODEL)
    spec.conv2.weight = random_array(rng, D_MODEL, D_MODEL, 3)
    spec.conv2.bias = random_array(rng, D_MODEL)
    spec.position_encodings.encodings = random_array(rng, ENCODER_POSITIONS, D_MODEL)
    set_layer_norm(spec.layer_norm)
    for layer in spec.layer:
        set_self_attention(layer.self_attention, rng)
        set_feed_forward(layer.ffn, rng)


def output_bias(vocabulary: Vocabulary) -> np.ndarray:
    """Return the projection bias making ``<|endoftext|>`` (then en) likely."""
    bias = np.zeros(len(vocabulary.tokens), dtype=np.float32)
    bias[vocabulary.eot_id] = EOT_LOGIT_BIAS
    bias[vocabulary.id_of("<|en|>")] = EN_LOGIT_BIAS
    return bias


def fill_decoder(
    spec: transformer_spec.TransformerDecoderSpec,
    vocabulary: Vocabulary,
    rng: np.random.Generator,
) -> None:
    """Fill the text decoder; the output projection is tied to the embeddings."""
    embeddings = random_array(rng, len(vocabulary.tokens), D_MODEL)
    spec.embeddings.weight = embeddings
    spec.position_encodings.encodings = random_array(rng, DECODER_POSITIONS, D_MODEL)
    set_layer_norm(spec.layer_norm)
    for layer in spec.layer:
        set_self_attention(layer.self_attention, rng)
        set_cross_attention(layer.attention, rng)
        set_feed_forward(layer.ffn, rng)
    spec.projection.weight = embeddings
    spec.projection.bias = output_bias(vocabulary)


def configure(spec: whisper_spec.WhisperSpec, vocabulary: Vocabulary) -> None:
    """Set ``config.json`` fields the way the transformers converter does."""
    config = spec.config
    config.suppress_ids = []
    config.suppress_ids_begin = [vocabulary.id_of("Ġ"), vocabulary.eot_id]
    config.lang_ids = vocabulary.lang_ids
    config.alignment_heads = [
        [layer, head]
        for layer in range(NUM_DECODER_LAYERS // 2, NUM_DECODER_LAYERS)
        for head in range(NUM_HEADS)
    ]


def build_spec(
    vocabulary: Vocabulary, rng: np.random.Generator
) -> whisper_spec.WhisperSpec:
    """Return a fully populated (not yet validated) ``WhisperSpec``."""
    spec = whisper_spec.WhisperSpec(
        NUM_ENCODER_LAYERS, NUM_HEADS, NUM_DECODER_LAYERS, NUM_HEADS
    )
    fill_encoder(spec.encoder, rng)
    fill_decoder(spec.decoder, vocabulary, rng)
    configure(spec, vocabulary)
    spec.register_vocabulary(vocabulary.tokens)
    return spec
