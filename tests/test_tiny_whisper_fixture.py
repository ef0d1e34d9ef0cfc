"""Tests for the tiny Whisper model fixture (tests/support/tiny_whisper.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from faster_whisper import WhisperModel

try:
    from tests.support.tiny_whisper import (
        DEFAULT_TRANSCRIPT,
        LANGUAGE_CODES,
        build_tiny_whisper_model,
    )
except ModuleNotFoundError:  # tests/ is on sys.path instead of the repo root
    from support.tiny_whisper import (  # type: ignore[no-redef]
        DEFAULT_TRANSCRIPT,
        LANGUAGE_CODES,
        build_tiny_whisper_model,
    )

SAMPLE_RATE = 16000
EXPECTED_TEXT = f" {DEFAULT_TRANSCRIPT}"
MODEL_FILES = (
    "config.json",
    "model.bin",
    "preprocessor_config.json",
    "tokenizer.json",
    "vocabulary.json",
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Whisper model folder with the default transcript."""
    return build_tiny_whisper_model(tmp_path_factory.mktemp("whisper") / "tiny")


@pytest.fixture(scope="module")
def model(model_dir: Path) -> WhisperModel:
    """The tiny model loaded through faster-whisper on the CPU (int8)."""
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8")


@pytest.fixture
def noise() -> np.ndarray:
    """Two seconds of seeded 16 kHz float32 noise."""
    rng = np.random.default_rng(0)
    return (rng.standard_normal(2 * SAMPLE_RATE) * 0.1).astype(np.float32)


def _transcribe(model: WhisperModel, audio: np.ndarray, **kwargs: object) -> str:
    """Transcribe audio (consuming the segment generator) and return the text."""
    segments, _info = model.transcribe(audio, **kwargs)
    return "".join(segment.text for segment in segments)


def test_writes_model_files(model_dir: Path) -> None:
    assert sorted(path.name for path in model_dir.iterdir()) == list(MODEL_FILES)
    total_bytes = sum(path.stat().st_size for path in model_dir.iterdir())
    assert total_bytes < 4_000_000
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert len(config["lang_ids"]) == len(LANGUAGE_CODES) == 100
    preprocessor = json.loads((model_dir / "preprocessor_config.json").read_text("utf-8"))
    assert (preprocessor["feature_size"], preprocessor["n_fft"]) == (80, 400)
    assert (preprocessor["hop_length"], preprocessor["chunk_length"]) == (160, 30)


def test_build_is_fast_and_deterministic(tmp_path: Path) -> None:
    start = time.perf_counter()
    first = build_tiny_whisper_model(tmp_path / "first")
    assert time.perf_counter() - start < 5
    second = build_tiny_whisper_model(tmp_path / "second")
    for name in MODEL_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_vocabulary_matches_tokenizer(model_dir: Path, model: WhisperModel) -> None:
    tokens = json.loads((model_dir / "vocabulary.json").read_text(encoding="utf-8"))
    tokenizer = model.hf_tokenizer
    assert tokenizer.get_vocab_size() == len(tokens)
    assert all(tokenizer.token_to_id(token) == index for index, token in enumerate(tokens))
    assert tokenizer.token_to_id("<|notimestamps|>") + 1 == tokens.index("<|0.00|>")
    assert tokens[-1] == "<|30.00|>"


def test_model_is_multilingual(model: WhisperModel) -> None:
    assert model.model.is_multilingual
    assert model.model.num_languages == 100
    assert model.model.n_mels == 80
    assert all(
        model.hf_tokenizer.token_to_id(f"<|{code}|>") is not None
        for code in model.supported_languages
    )


def test_tokenizer_round_trips_text(model: WhisperModel) -> None:
    text = " Turn on the kitchen light, schön! 23°"
    ids = model.hf_tokenizer.encode(text, add_special_tokens=False).ids
    assert model.hf_tokenizer.decode(ids) == text
    assert model.hf_tokenizer.encode(" kitchen", add_special_tokens=False).tokens == ["Ġkitchen"]


def test_transcribe_english_noise(model: WhisperModel, noise: np.ndarray) -> None:
    start = time.perf_counter()
    segments, info = model.transcribe(noise, language="en", beam_size=1, vad_filter=False)
    segments = list(segments)
    assert time.perf_counter() - start < 10
    assert info.language == "en"
    assert [segment.text for segment in segments] == [EXPECTED_TEXT]
    assert (segments[0].start, segments[0].end) == (0.0, 2.0)


def test_auto_detect_language(model: WhisperModel, noise: np.ndarray) -> None:
    segments, info = model.transcribe(noise, language=None, vad_filter=False)
    assert "".join(segment.text for segment in segments) == EXPECTED_TEXT
    assert info.language == "en"
    assert info.language_probability > 0.99


def test_auto_detect_with_vad_filter(model: WhisperModel, noise: np.ndarray) -> None:
    start = time.perf_counter()
    text = _transcribe(model, noise, language=None, vad_filter=True)
    assert time.perf_counter() - start < 10
    assert text in ("", EXPECTED_TEXT)  # the VAD may drop all of the noise


def test_silence_with_vad_filter_gives_no_text(model: WhisperModel) -> None:
    silence = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    assert _transcribe(model, silence, language="en", vad_filter=True) == ""


@pytest.mark.parametrize("language", ["en", "de", "yue"])
def test_initial_prompt_and_hotwords(model: WhisperModel, noise: np.ndarray, language: str) -> None:
    text = _transcribe(
        model,
        noise,
        language=language,
        beam_size=1,
        initial_prompt="Turn off the lights.",
        hotwords="kitchen, Küche",
    )
    assert text == EXPECTED_TEXT


def test_beam_search_translate_and_no_timestamps(model: WhisperModel, noise: np.ndarray) -> None:
    assert _transcribe(model, noise, task="translate", beam_size=5) == EXPECTED_TEXT
    assert _transcribe(model, noise, without_timestamps=True) == EXPECTED_TEXT


def test_word_timestamps(model: WhisperModel, noise: np.ndarray) -> None:
    segments, _info = model.transcribe(noise, language="en", word_timestamps=True)
    first = next(iter(segments))
    assert first.words is not None
    assert "".join(word.word for word in first.words) == EXPECTED_TEXT
    assert all(0.0 <= word.start <= word.end <= 2.0 for word in first.words)


def test_long_audio_gives_one_segment_per_window(model: WhisperModel) -> None:
    audio = np.zeros(40 * SAMPLE_RATE, dtype=np.float32)
    segments, _info = model.transcribe(audio, language="en", beam_size=1)
    assert [(segment.start, segment.end) for segment in segments] == [(0.0, 30.0), (30.0, 40.0)]


@pytest.mark.parametrize("transcript", ["", "Hallo Welt, schön!"])
def test_custom_transcript(tmp_path: Path, noise: np.ndarray, transcript: str) -> None:
    model_dir = build_tiny_whisper_model(tmp_path, transcript=transcript)
    model = WhisperModel(str(model_dir), device="cpu", compute_type="float32")
    expected = f" {transcript}" if transcript else ""
    assert _transcribe(model, noise, language="de", beam_size=1) == expected


@pytest.mark.parametrize("transcript", ["on and on", " ".join(f"w{i}" for i in range(59))])
def test_invalid_transcript_is_rejected(tmp_path: Path, transcript: str) -> None:
    with pytest.raises(ValueError, match="transcript"):
        build_tiny_whisper_model(tmp_path, transcript=transcript)
