"""Engine, device and compute-type choices (pure functions, no backend needed)."""

from __future__ import annotations

import logging

import pytest

from wyoming_common.errors import ConfigError
from wyoming_stt.engines import build_transcriber
from wyoming_stt.pocketsphinx.engine import PocketsphinxTranscriber
from wyoming_stt.selection import select_compute_type, select_device, select_engine
from wyoming_stt.settings import SttSettings, parse
from wyoming_stt.whisper.engine import FasterWhisperTranscriber


@pytest.mark.parametrize(
    ("requested", "cuda_devices", "expected"),
    [
        ("auto", 0, "cpu"),
        ("auto", 1, "cuda"),
        ("auto", 4, "cuda"),
        ("cpu", 2, "cpu"),
        ("cuda", 1, "cuda"),
    ],
)
def test_select_device(requested: str, cuda_devices: int, expected: str) -> None:
    assert select_device(requested, cuda_devices) == expected


def test_cuda_without_a_gpu_names_the_flag() -> None:
    with pytest.raises(ConfigError, match="--device"):
        select_device("cuda", 0)
    with pytest.raises(ConfigError, match="--device"):
        select_device("tpu", 1)


CPU_TYPES = {"float32", "int8", "int8_float32"}
GPU_TYPES = {"float32", "float16", "int8", "int8_float16", "int8_float32", "bfloat16"}


@pytest.mark.parametrize(
    ("requested", "device", "supported", "expected"),
    [
        ("auto", "cuda", GPU_TYPES, "float16"),
        ("auto", "cpu", CPU_TYPES, "int8"),
        ("auto", "cuda", {"float32", "int8_float16"}, "int8_float16"),  # no float16 kernel
        ("auto", "cpu", {"float32"}, "float32"),
        ("auto", "cuda", None, "float16"),
        ("auto", "cpu", None, "int8"),
        ("auto", "cpu", set(), "default"),
        ("int8_float16", "cuda", GPU_TYPES, "int8_float16"),
        ("float32", "cpu", None, "float32"),
    ],
)
def test_select_compute_type(
    requested: str, device: str, supported: set[str] | None, expected: str
) -> None:
    assert select_compute_type(requested, device, supported) == expected


def test_unsupported_compute_type_names_the_flag() -> None:
    with pytest.raises(ConfigError, match="--compute-type: float16 is not supported on cpu"):
        select_compute_type("float16", "cpu", CPU_TYPES)


@pytest.mark.parametrize(
    ("requested", "model", "importable", "engine", "reason"),
    [
        ("auto", "small", True, "faster-whisper", "configured"),
        ("auto", None, True, "pocketsphinx", "no Whisper model is configured"),
        ("pocketsphinx", "small", True, "pocketsphinx", "requested"),
        ("faster-whisper", "small", True, "faster-whisper", "requested"),
    ],
)
def test_select_engine(
    requested: str, model: str | None, importable: bool, engine: str, reason: str
) -> None:
    choice = select_engine(requested, model, importable)
    assert choice.engine == engine
    assert reason in choice.reason


def test_explicit_faster_whisper_needs_model_and_package() -> None:
    with pytest.raises(ConfigError, match="--model"):
        select_engine("faster-whisper", None, True)
    with pytest.raises(ConfigError, match="--engine: faster-whisper is not installed"):
        select_engine("faster-whisper", "small", False)
    # A model that is set is an explicit choice too: no silent fallback without faster-whisper.
    with pytest.raises(ConfigError, match="--model: small needs faster-whisper"):
        select_engine("auto", "small", False)


def _settings(engine: str, model: str | None, *extra: str) -> SttSettings:
    argv = ["--engine", engine, "--data-dir", "/nonexistent", *extra]
    return parse([*argv, "--model", model] if model else argv)


def test_build_transcriber_logs_why(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_stt")
    assert isinstance(build_transcriber(_settings("auto", None)), PocketsphinxTranscriber)
    assert "Using the embedded pocketsphinx engine: no Whisper model is configured" in caplog.text
    with pytest.raises(ConfigError, match="--model"):
        build_transcriber(_settings("auto", "small"), whisper_available=False)
    auto = build_transcriber(_settings("auto", "small"), whisper_available=True)
    assert isinstance(auto, FasterWhisperTranscriber)
    assert "Using faster-whisper: model small is configured" in caplog.text
    explicit = build_transcriber(_settings("faster-whisper", "small"), whisper_available=True)
    assert isinstance(explicit, FasterWhisperTranscriber)


def test_general_model_reaches_pocketsphinx() -> None:
    engine = build_transcriber(_settings("auto", None, "--general-model"))
    assert isinstance(engine, PocketsphinxTranscriber)
    assert engine.options.general_model is True
