"""Pure choices of engine, device and compute type from what the machine can do.

Capabilities come in as arguments (CUDA device count, supported compute types, whether
faster-whisper is importable), so these functions are tested without any backend installed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from wyoming_common.errors import ConfigError

ENGINES = ("auto", "faster-whisper", "pocketsphinx")
DEVICES = ("auto", "cuda", "cpu")

# Preferred compute types per device, best first (the first supported one wins for "auto").
_AUTO_COMPUTE_TYPES = {
    "cuda": ("float16", "int8_float16", "float32"),
    "cpu": ("int8", "int8_float32", "float32"),
}


@dataclass(frozen=True)
class EngineChoice:
    """The engine to run and, for the log, why."""

    engine: str
    reason: str


def select_engine(requested: str, model: str | None, whisper_importable: bool) -> EngineChoice:
    """auto = faster-whisper when a model is set, pocketsphinx when none is.

    A model that is set is an explicit choice: without faster-whisper it is a configuration
    error, not a reason to fall back.
    """
    if requested not in ENGINES:
        raise ConfigError("--engine", f"unknown engine {requested!r}")
    if requested == "faster-whisper":
        if not model:
            raise ConfigError("--model", "the faster-whisper engine needs a model name or path")
        if not whisper_importable:
            raise ConfigError(
                "--engine",
                "faster-whisper is not installed (pip install 'wyoming-voice[stt]')",
            )
        return EngineChoice("faster-whisper", f"requested with model {model}")
    if requested == "pocketsphinx":
        return EngineChoice("pocketsphinx", "requested")
    if not model:
        return EngineChoice("pocketsphinx", "no Whisper model is configured (--model)")
    if not whisper_importable:
        raise ConfigError(
            "--model",
            f"{model} needs faster-whisper, which is not installed "
            "(pip install 'wyoming-voice[stt]'), or leave --model unset for pocketsphinx",
        )
    return EngineChoice("faster-whisper", f"model {model} is configured")


def select_device(requested: str, cuda_device_count: int) -> str:
    """auto = cuda when CTranslate2 sees a CUDA device, else cpu."""
    if requested not in DEVICES:
        raise ConfigError("--device", f"unknown device {requested!r}")
    if requested == "auto":
        return "cuda" if cuda_device_count > 0 else "cpu"
    if requested == "cuda" and cuda_device_count <= 0:
        raise ConfigError("--device", "cuda was requested but CTranslate2 sees no CUDA device")
    return requested


def select_compute_type(requested: str, device: str, supported: Collection[str] | None) -> str:
    """auto = float16 on CUDA, int8 on CPU (or the next best type the device supports).

    `supported` is what CTranslate2 reports for the device (None when unknown).
    """
    if requested != "auto":
        if supported is not None and requested not in supported:
            raise ConfigError(
                "--compute-type",
                f"{requested} is not supported on {device} "
                f"(supported: {', '.join(sorted(supported))})",
            )
        return requested
    preferred = _AUTO_COMPUTE_TYPES.get(device, ("float32",))
    if supported is None:
        return preferred[0]
    for compute_type in preferred:
        if compute_type in supported:
            return compute_type
    return "default"
