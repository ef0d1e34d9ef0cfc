"""Random-weight GGUF models of the llama architecture (Llama 3.2 3B, Llama 3.1 8B shapes).

llama.cpp's cost depends on the shape, not the values, so a random model of a real shape is
what `script/gpu-check` offloads and times when a GPU box has no weights and no network.
Written with the `gguf` package (llama.cpp's own writer): f16 matrices, f32 norms, and a
SentencePiece-style vocabulary of byte tokens plus fillers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np


@dataclass(frozen=True)
class LlamaShape:
    """The dimensions that decide a llama model's cost."""

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    vocabulary: int
    context: int = 8192

    @property
    def kv_width(self) -> int:
        """Width of the key and value projections (grouped-query attention)."""
        return self.hidden // self.heads * self.kv_heads


LLAMA_3B: Final = LlamaShape("llama-3.2-3b", 3072, 28, 24, 8, 8192, 128256)
LLAMA_8B: Final = LlamaShape("llama-3.1-8b", 4096, 32, 32, 8, 14336, 128256)
TINY_LLAMA: Final = LlamaShape("tiny", 64, 2, 4, 2, 128, 512, 2048)
SHAPES: Final = {shape.name: shape for shape in (LLAMA_3B, LLAMA_8B, TINY_LLAMA)}

_POOL_SIZE = 1 << 22  # random values reused for every tensor (values do not matter, speed does)


class _Weights:
    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self._pool = (rng.standard_normal(_POOL_SIZE) * 0.02).astype(np.float16)
        self._offset = 0

    def matrix(self, rows: int, cols: int) -> np.ndarray:
        count = rows * cols
        start = self._offset % _POOL_SIZE
        self._offset += 7919  # a different window for each tensor
        reps = -(-(start + count) // _POOL_SIZE)
        return np.tile(self._pool, reps)[start : start + count].reshape(rows, cols)


def _vocabulary(size: int) -> tuple[list[str], list[float], list[int]]:
    """<unk> <s> </s>, the 256 byte tokens, then "▁wN" fillers: SentencePiece's layout."""
    tokens = ["<unk>", "<s>", "</s>", *(f"<0x{byte:02X}>" for byte in range(256))]
    types = [2, 3, 3, *([6] * 256)]  # unknown, control, byte (gguf.TokenType)
    tokens += [f"▁w{index}" for index in range(size - len(tokens))]
    types += [1] * (size - len(types))  # normal
    scores = [0.0] * 3 + [0.0] * 256 + [-float(index) for index in range(size - 259)]
    return tokens, scores, types


def build_random_llama(output_dir: Path, shape: LlamaShape = LLAMA_3B, seed: int = 1234) -> Path:
    """Write `random-<shape>.f16.gguf` into output_dir and return its path."""
    import gguf

    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"random-{shape.name}.f16.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(f"random {shape.name}")
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.hidden)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.ffn)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_rope_dimension_count(shape.hidden // shape.heads)
    writer.add_rope_freq_base(500000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    tokens, scores, types = _vocabulary(shape.vocabulary)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    weights = _Weights(seed)
    norm = np.ones(shape.hidden, dtype=np.float32)
    writer.add_tensor("token_embd.weight", weights.matrix(shape.vocabulary, shape.hidden))
    for layer in range(shape.layers):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", norm)
        writer.add_tensor(f"{block}.attn_q.weight", weights.matrix(shape.hidden, shape.hidden))
        writer.add_tensor(f"{block}.attn_k.weight", weights.matrix(shape.kv_width, shape.hidden))
        writer.add_tensor(f"{block}.attn_v.weight", weights.matrix(shape.kv_width, shape.hidden))
        writer.add_tensor(f"{block}.attn_output.weight", weights.matrix(shape.hidden, shape.hidden))
        writer.add_tensor(f"{block}.ffn_norm.weight", norm)
        writer.add_tensor(f"{block}.ffn_gate.weight", weights.matrix(shape.ffn, shape.hidden))
        writer.add_tensor(f"{block}.ffn_up.weight", weights.matrix(shape.ffn, shape.hidden))
        writer.add_tensor(f"{block}.ffn_down.weight", weights.matrix(shape.hidden, shape.ffn))
    writer.add_tensor("output_norm.weight", norm)
    writer.add_tensor("output.weight", weights.matrix(shape.vocabulary, shape.hidden))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
