"""Each engine on the GPU once: load, first result, then the median of a few runs.

The stages use the libraries our engines use (faster-whisper, llama-cpp-python, piper-tts on
onnxruntime) directly with the settings our engines pick on CUDA, so a failure names the
library and what to install (see docs/gpu.md).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPLY = "Okay, I turned on the kitchen lights and set them to fifty percent."
PROMPT_TOKENS = 400  # about the size of our agent's prompt for a small house


class StageError(Exception):
    """A stage cannot run here; the message says what to install or fix."""


@dataclass
class StageResult:
    """What one engine did on the device."""

    stage: str
    model: str
    device: str
    load_s: float = 0.0
    first_s: float = 0.0
    runs_s: list[float] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def p50_s(self) -> float:
        """Median of the timed runs (after the first)."""
        return statistics.median(self.runs_s) if self.runs_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        """For the JSON line."""
        return {
            "stage": self.stage,
            "model": self.model,
            "device": self.device,
            "load_s": round(self.load_s, 3),
            "first_s": round(self.first_s, 4),
            "p50_s": round(self.p50_s, 4),
            **{key: round(value, 2) for key, value in self.extra.items()},
            "error": self.error,
        }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def run_stage(
    result: StageResult, load: Callable[[], Any], work: Callable[[Any], Any], runs: int
) -> StageResult:
    """Load once, then time the first call and `runs` more."""
    result.load_s, engine = timed(load)
    result.first_s, _ = timed(lambda: work(engine))
    result.runs_s = [timed(lambda: work(engine))[0] for _ in range(runs)]
    return result


def stt_stage(model: Path, cuda: bool, runs: int) -> StageResult:
    """faster-whisper: 3 s of audio to text (greedy, no timestamps, 24 tokens at most)."""
    import ctranslate2
    from faster_whisper import WhisperModel

    if cuda and ctranslate2.get_cuda_device_count() < 1:
        raise StageError(
            "CTranslate2 sees no CUDA device: install NVIDIA's driver and cuBLAS + cuDNN 9 "
            "for CUDA 12 (pip install nvidia-cublas-cu12 'nvidia-cudnn-cu12==9.*')"
        )
    device, compute = ("cuda", "float16") if cuda else ("cpu", "int8")
    audio = (np.random.default_rng(0).standard_normal(3 * 16000) * 0.05).astype(np.float32)

    def work(whisper: Any) -> str:
        segments, _info = whisper.transcribe(
            audio,
            language="en",
            beam_size=1,
            temperature=0.0,
            without_timestamps=True,
            condition_on_previous_text=False,
            max_new_tokens=24,
        )
        return " ".join(segment.text for segment in segments)

    result = StageResult("stt", model.name, f"{device} {compute}")
    return run_stage(
        result, lambda: WhisperModel(str(model), device=device, compute_type=compute), work, runs
    )


def llm_stage(model: Path, cuda: bool, runs: int) -> StageResult:
    """llama.cpp: a prompt of our agent's size, then 32 generated tokens."""
    import llama_cpp

    if cuda and not llama_cpp.llama_supports_gpu_offload():
        raise StageError(
            "llama-cpp-python was built without GPU support: "
            'CMAKE_ARGS="-DGGML_CUDA=on" .venv/bin/pip install --force-reinstall --no-cache-dir '
            "llama-cpp-python"
        )
    result = StageResult("llm", model.name, "cuda all layers" if cuda else "cpu")

    def load() -> Any:
        return llama_cpp.Llama(
            str(model), n_gpu_layers=-1 if cuda else 0, n_ctx=2048, seed=0, verbose=False
        )

    def work(llm: Any) -> None:
        llm.reset()  # no prefix cache: the whole prompt each time
        # Token ids, not text: the same prompt length whatever the vocabulary.
        prompt = [llm.token_bos()] + [300 + index % 200 for index in range(PROMPT_TOKENS)]
        started = time.perf_counter()
        stream = llm.create_completion(prompt, max_tokens=32, temperature=0.0, stream=True)
        first = None
        count = 0
        for _chunk in stream:
            count += 1
            if first is None:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
        result.extra["first_token_s"] = first or 0.0
        if count > 1 and first is not None:
            result.extra["eval_tokens_per_s"] = (count - 1) / max(total - first, 1e-6)

    return run_stage(result, load, work, runs)


def tts_stage(voice: Path, cuda: bool, runs: int) -> StageResult:
    """Piper: time to the first audio of a one-sentence reply."""
    import onnxruntime
    from piper import PiperVoice

    if cuda and "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        raise StageError(
            "onnxruntime has no CUDA provider: .venv/bin/pip uninstall -y onnxruntime && "
            ".venv/bin/pip install onnxruntime-gpu"
        )
    result = StageResult("tts", voice.name, "cuda" if cuda else "cpu")

    def work(piper: Any) -> None:
        started = time.perf_counter()
        samples = 0
        for chunk in piper.synthesize(REPLY):
            if samples == 0:
                result.extra["first_audio_s"] = time.perf_counter() - started
            samples += len(chunk.audio_int16_bytes) // 2
        result.extra["audio_s"] = samples / 22050

    return run_stage(result, lambda: PiperVoice.load(voice, use_cuda=cuda), work, runs)
