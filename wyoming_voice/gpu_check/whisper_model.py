"""Random-weight Whisper models in CTranslate2 format, of a real architecture's shape.

A GPU box may have no network and no weights; a model of the right shape (large-v3-turbo:
32 encoder layers, 4 decoder layers, d_model 1280, 128 mel bins, 51866 tokens) costs the same
to run as the trained one, which is what `script/gpu-check` measures. The files are what
`ct2-transformers-converter` writes (model.bin, config.json, vocabulary, tokenizer.json,
preprocessor_config.json), so faster-whisper loads them unchanged. The tests' tiny Whisper
(tests/support/tiny_whisper.py) is built from the same pieces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

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
NUM_TIMESTAMPS: Final = 1501  # <|0.00|> .. <|30.00|> in 0.02 s steps
ENCODER_POSITIONS: Final = 1500  # 3000 mel frames / conv2 stride 2
DECODER_POSITIONS: Final = 448  # faster-whisper's hard-coded max_length
WEIGHT_STD: Final = 0.02


@dataclass(frozen=True)
class WhisperShape:
    """The dimensions that decide a Whisper model's cost."""

    d_model: int
    heads: int
    encoder_layers: int
    decoder_layers: int
    n_mels: int
    vocabulary_size: int

    @property
    def ffn_dim(self) -> int:
        """Width of the feed-forward layers."""
        return 4 * self.d_model


LARGE_V3_TURBO: Final = WhisperShape(1280, 20, 32, 4, 128, 51866)
"""openai/whisper-large-v3-turbo."""
TINY_SHAPE: Final = WhisperShape(64, 2, 2, 2, 80, 0)
"""For tests: the smallest model faster-whisper accepts (vocabulary: what is needed)."""


@dataclass(frozen=True)
class Vocabulary:
    """Tokens in id order: byte-level BPE text tokens, then special and timestamp tokens."""

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


def preprocessor_config(n_mels: int) -> dict[str, Any]:
    """The feature extractor settings faster-whisper reads (`feature_size` = mel bins)."""
    return {
        "chunk_length": 30, "feature_extractor_type": "WhisperFeatureExtractor",
        "feature_size": n_mels, "hop_length": 160, "n_fft": 400, "n_samples": 480000,
        "nb_max_frames": 3000, "padding_side": "right", "padding_value": 0.0,
        "processor_class": "WhisperProcessor", "return_attention_mask": False,
        "sampling_rate": 16000,
    }  # fmt: skip


def byte_level_alphabet() -> list[str]:
    """GPT-2's byte-level characters, indexed by byte value."""
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
    """The 256 byte tokens in GPT-2 vocabulary order (ids 0..255)."""
    return sorted(byte_level_alphabet(), key=lambda char: (ord(char) >= 256, ord(char)))


def word_tokens(words: Iterable[str]) -> list[str]:
    """Byte-level spellings of " word" ("Ġword")."""
    alphabet = byte_level_alphabet()
    return ["".join(alphabet[byte] for byte in f" {word}".encode()) for word in words]


def prefix_merges(tokens: Iterable[str]) -> list[tuple[str, str]]:
    """Left-to-right BPE merges that build each token (every step is a prefix of one)."""
    merges: list[tuple[str, str]] = []
    for token in tokens:
        for end in range(1, len(token)):
            merge = (token[:end], token[end])
            if merge not in merges:
                merges.append(merge)
    return merges


def special_tokens() -> list[str]:
    """Whisper's special and timestamp tokens in id order."""
    return [
        EOT,
        SOT,
        *(f"<|{code}|>" for code in LANGUAGE_CODES),
        *TASK_TOKENS,
        *OTHER_SPECIAL_TOKENS,
        NO_TIMESTAMPS,
        *(f"<|{index * 0.02:.2f}|>" for index in range(NUM_TIMESTAMPS)),
    ]


def build_vocabulary(words: Sequence[str], size: int = 0) -> Vocabulary:
    """A multilingual vocabulary holding words as single tokens, padded to size tokens.

    CTranslate2 treats a Whisper vocabulary as multilingual when it contains the empty token
    `""` (as the real one does), so that is the last text token.
    """
    merges = prefix_merges(words)
    text = [*base_tokens(), *(left + right for left, right in merges)]
    padding = max(0, size - len(text) - 1 - len(special_tokens()))
    text += [f"{SPACE}w{index}" for index in range(padding)]
    return Vocabulary(
        text_tokens=(*text, ""),
        merges=tuple(merges),
        special_tokens=tuple(special_tokens()),
        words=tuple(words),
    )


def build_tokenizer(vocabulary: Vocabulary) -> Any:
    """A byte-level BPE `tokenizers.Tokenizer` whose ids match the vocabulary."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

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
    for index, token in enumerate(vocabulary.tokens):
        if tokenizer.token_to_id(token) != index:
            raise RuntimeError(f"tokenizer id mismatch for {token!r}: expected {index}")
    return tokenizer


class RandomWeights:
    """Fills CTranslate2 Whisper specs with small normal weights of one shape."""

    def __init__(self, shape: WhisperShape, rng: np.random.Generator) -> None:
        self.shape = shape
        self.rng = rng

    def array(self, *dims: int) -> np.ndarray:
        """A float32 array of small normal values."""
        return (self.rng.standard_normal(dims) * WEIGHT_STD).astype(np.float32)

    def layer_norm(self, spec: Any) -> None:
        """The identity layer norm (gamma 1, beta 0)."""
        spec.gamma = np.ones(self.shape.d_model, dtype=np.float32)
        spec.beta = np.zeros(self.shape.d_model, dtype=np.float32)

    def linear(self, spec: Any, out_dim: int, in_dim: int) -> None:
        """A linear layer with [out_dim, in_dim] weights and a bias."""
        spec.weight = self.array(out_dim, in_dim)
        spec.bias = self.array(out_dim)

    def feed_forward(self, spec: Any) -> None:
        """A pre-norm feed-forward block."""
        d_model, ffn = self.shape.d_model, self.shape.ffn_dim
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear_0, ffn, d_model)
        self.linear(spec.linear_1, d_model, ffn)

    def self_attention(self, spec: Any) -> None:
        """Fused QKV projection and output projection."""
        d_model = self.shape.d_model
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear[0], 3 * d_model, d_model)
        self.linear(spec.linear[1], d_model, d_model)

    def cross_attention(self, spec: Any) -> None:
        """Query, fused key/value and output projections."""
        d_model = self.shape.d_model
        self.layer_norm(spec.layer_norm)
        self.linear(spec.linear[0], d_model, d_model)
        self.linear(spec.linear[1], 2 * d_model, d_model)
        self.linear(spec.linear[2], d_model, d_model)

    def encoder(self, spec: Any) -> None:
        """The audio encoder: two convolutions, positions, layers, final norm."""
        d_model = self.shape.d_model
        spec.conv1.weight = self.array(d_model, self.shape.n_mels, 3)
        spec.conv1.bias = self.array(d_model)
        spec.conv2.weight = self.array(d_model, d_model, 3)
        spec.conv2.bias = self.array(d_model)
        spec.position_encodings.encodings = self.array(ENCODER_POSITIONS, d_model)
        self.layer_norm(spec.layer_norm)
        for layer in spec.layer:
            self.self_attention(layer.self_attention)
            self.feed_forward(layer.ffn)

    def decoder_layers(self, spec: Any) -> None:
        """Decoder positions, layers and final norm (embeddings and projection are separate)."""
        spec.position_encodings.encodings = self.array(DECODER_POSITIONS, self.shape.d_model)
        self.layer_norm(spec.layer_norm)
        for layer in spec.layer:
            self.self_attention(layer.self_attention)
            self.cross_attention(layer.attention)
            self.feed_forward(layer.ffn)


def new_spec(shape: WhisperShape) -> Any:
    """An empty CTranslate2 WhisperSpec of the shape."""
    from ctranslate2.specs import whisper_spec

    return whisper_spec.WhisperSpec(
        shape.encoder_layers, shape.heads, shape.decoder_layers, shape.heads
    )


def configure(spec: Any, vocabulary: Vocabulary, shape: WhisperShape) -> None:
    """The config.json fields, set the way the transformers converter sets them."""
    ids = vocabulary.ids()
    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = [ids[SPACE], ids[EOT]]
    spec.config.lang_ids = sorted(ids[f"<|{code}|>"] for code in LANGUAGE_CODES)
    spec.config.alignment_heads = [
        [layer, head]
        for layer in range(shape.decoder_layers // 2, shape.decoder_layers)
        for head in range(shape.heads)
    ]
    spec.register_vocabulary(vocabulary.tokens)


def save_model(spec: Any, vocabulary: Vocabulary, shape: WhisperShape, output_dir: Path) -> Path:
    """Validate and write the model folder (float16 on disk keeps large shapes small)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    spec.validate()
    spec.optimize(quantization="float16" if shape.d_model >= 512 else "float32")
    spec.save(str(output_dir))
    build_tokenizer(vocabulary).save(str(output_dir / "tokenizer.json"))
    (output_dir / "preprocessor_config.json").write_text(
        json.dumps(preprocessor_config(shape.n_mels), indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return output_dir


def build_random_whisper(output_dir: Path, shape: WhisperShape = LARGE_V3_TURBO) -> Path:
    """A Whisper model of the shape with random weights (seeded), written to output_dir."""
    weights = RandomWeights(shape, np.random.default_rng(1234))
    vocabulary = build_vocabulary((), shape.vocabulary_size)
    spec = new_spec(shape)
    weights.encoder(spec.encoder)
    weights.decoder_layers(spec.decoder)
    spec.decoder.embeddings.weight = weights.array(len(vocabulary.tokens), shape.d_model)
    spec.decoder.projection.weight = weights.array(len(vocabulary.tokens), shape.d_model)
    configure(spec, vocabulary, shape)
    return save_model(spec, vocabulary, shape, output_dir)
