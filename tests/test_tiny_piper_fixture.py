"""Tests for the tiny Piper voice fixture (tests/support/tiny_piper.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from piper import PiperVoice, SynthesisConfig
from piper.config import PhonemeType, PiperConfig
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

try:
    from tests.support.tiny_piper import HOP_LENGTH, build_tiny_piper_voice
except ModuleNotFoundError:  # tests/ is on sys.path instead of the repo root
    from support.tiny_piper import HOP_LENGTH, build_tiny_piper_voice  # type: ignore[no-redef]

TWO_SENTENCES = "Turn on the kitchen light. Then the office."
ENGLISH_SAMPLES = (
    TWO_SENTENCES,
    "What's the weather like tomorrow? It's 23 degrees; cloudy, with rain!",
    'The quick brown fox jumps over the lazy dog (again) - "really": yes.',
    "Set a timer for ten minutes, then play some jazz music in the living room.",
    "Thorough measures: the genre's azure vision, usually pleasure-bound.",
)


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding a single-speaker and a multi-speaker tiny voice."""
    data_dir = tmp_path_factory.mktemp("voices")
    build_tiny_piper_voice(data_dir)
    build_tiny_piper_voice(data_dir, "en_US-duo-low", num_speakers=2, sample_rate=16000)
    return data_dir


@pytest.fixture(scope="module")
def voice(voice_dir: Path) -> PiperVoice:
    """The single-speaker tiny voice, loaded through piper."""
    onnx_path = voice_dir / "en_US-tiny-medium.onnx"
    return PiperVoice.load(onnx_path, config_path=f"{onnx_path}.json", use_cuda=False)


@pytest.fixture(scope="module")
def duo_voice(voice_dir: Path) -> PiperVoice:
    """The two-speaker tiny voice, loaded through piper (config path guessed)."""
    return PiperVoice.load(voice_dir / "en_US-duo-low.onnx", use_cuda=False)


def _total_samples(voice: PiperVoice, text: str, syn_config: SynthesisConfig | None = None) -> int:
    """Return the number of int16 samples synthesized for text."""
    return sum(len(chunk.audio_int16_array) for chunk in voice.synthesize(text, syn_config))


def test_writes_real_voice_files(tmp_path: Path) -> None:
    onnx_path = build_tiny_piper_voice(tmp_path / "nested")

    assert onnx_path == tmp_path / "nested" / "en_US-tiny-medium.onnx"
    assert onnx_path.is_file()
    config_dict = json.loads(Path(f"{onnx_path}.json").read_text(encoding="utf-8"))
    assert config_dict["audio"]["sample_rate"] == 22050
    assert config_dict["espeak"]["voice"] == "en-us"
    assert config_dict["phoneme_type"] == "espeak"
    assert config_dict["num_speakers"] == 1
    assert config_dict["speaker_id_map"] == {}
    assert config_dict["language"]["code"] == "en_US"
    assert config_dict["dataset"] == "tiny"
    assert set(config_dict["inference"]) == {"noise_scale", "length_scale", "noise_w"}
    assert "piper_version" in config_dict


def test_config_parses_with_piper(voice_dir: Path) -> None:
    config_text = (voice_dir / "en_US-duo-low.onnx.json").read_text(encoding="utf-8")
    config = PiperConfig.from_dict(json.loads(config_text))

    assert config.phoneme_type is PhonemeType.ESPEAK
    assert config.sample_rate == 16000
    assert config.num_speakers == 2
    assert config.speaker_id_map == {"alice": 0, "bob": 1}
    assert config.length_scale == 1.0


def test_phoneme_id_map_matches_piper_espeak_map(voice: PiperVoice) -> None:
    id_map = voice.config.phoneme_id_map

    assert len(id_map) >= 130
    stress_and_length = {"\u02c8", "\u02cc", "\u02d0"}  # primary/secondary stress, long
    assert {"_", "^", "$", " ", ".", ",", "?", "!", "ə", "ɹ", *stress_and_length} <= set(id_map)
    for phoneme, ids in id_map.items():
        assert DEFAULT_PHONEME_ID_MAP[phoneme] == ids
    assert max(ids[0] for ids in id_map.values()) < voice.config.num_symbols


def test_english_phonemes_are_all_mapped(voice: PiperVoice) -> None:
    for text in ENGLISH_SAMPLES:
        for sentence in voice.phonemize(text):
            missing = set(sentence) - set(voice.config.phoneme_id_map)
            assert not missing, f"{text!r}: {missing}"


def test_onnx_signature_matches_piper(voice_dir: Path) -> None:
    for name, expected_inputs in (
        ("en_US-tiny-medium", ["input", "input_lengths", "scales"]),
        ("en_US-duo-low", ["input", "input_lengths", "scales", "sid"]),
    ):
        model = onnx.load(str(voice_dir / f"{name}.onnx"))
        assert [value.name for value in model.graph.input] == expected_inputs
        assert [value.name for value in model.graph.output] == ["output"]


def test_raw_session_output_shape(voice_dir: Path) -> None:
    session = onnxruntime.InferenceSession(
        str(voice_dir / "en_US-tiny-medium.onnx"), providers=["CPUExecutionProvider"]
    )
    phoneme_ids = np.array([[1, 0, 20, 0, 59, 0, 2]], dtype=np.int64)
    (audio,) = session.run(
        None,
        {
            "input": phoneme_ids,
            "input_lengths": np.array([7], dtype=np.int64),
            "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32),
        },
    )

    assert audio.dtype == np.float32
    assert audio.shape == (1, 1, 7 * HOP_LENGTH)
    assert float(np.max(np.abs(audio))) <= 1.0


def test_synthesize_yields_one_chunk_per_sentence(voice: PiperVoice) -> None:
    chunks = list(voice.synthesize(TWO_SENTENCES))

    assert len(chunks) == 2
    for chunk in chunks:
        assert chunk.sample_rate == 22050
        assert chunk.sample_width == 2
        assert chunk.sample_channels == 1
        assert chunk.audio_int16_array.dtype == np.int16
        assert len(chunk.audio_int16_array) == len(chunk.phoneme_ids) * HOP_LENGTH
        assert np.any(chunk.audio_int16_array != 0)
        assert len(chunk.audio_int16_bytes) == 2 * len(chunk.audio_int16_array)


def test_synthesis_is_deterministic(voice: PiperVoice) -> None:
    first = next(iter(voice.synthesize("Hello there.")))
    second = next(iter(voice.synthesize("Hello there.")))

    assert np.array_equal(first.audio_int16_array, second.audio_int16_array)


def test_longer_text_gives_longer_audio(voice: PiperVoice) -> None:
    short = _total_samples(voice, "Hi.")
    long = _total_samples(voice, "Hi. Please turn off every light in the whole house.")

    assert long > 2 * short


def test_no_missing_phoneme_warnings(voice: PiperVoice, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="piper"):
        for text in ENGLISH_SAMPLES:
            assert _total_samples(voice, text) > 0

    assert not [record for record in caplog.records if "Missing phoneme" in record.message]


def test_multi_speaker_length_scale_and_speaker(duo_voice: PiperVoice) -> None:
    text = "Turn on the kitchen light."
    base = list(duo_voice.synthesize(text))
    slow = list(duo_voice.synthesize(text, SynthesisConfig(speaker_id=1, length_scale=2.0)))

    assert len(base) == len(slow) == 1
    assert slow[0].sample_rate == 16000
    assert len(slow[0].audio_int16_array) == 2 * len(base[0].audio_int16_array)

    speaker0 = next(iter(duo_voice.synthesize(text, SynthesisConfig(speaker_id=0))))
    speaker1 = next(iter(duo_voice.synthesize(text, SynthesisConfig(speaker_id=1))))
    assert len(speaker0.audio_int16_array) == len(speaker1.audio_int16_array)
    assert not np.array_equal(speaker0.audio_int16_array, speaker1.audio_int16_array)


def test_volume_scales_normalized_audio(voice: PiperVoice) -> None:
    loud = next(iter(voice.synthesize("Hello.", SynthesisConfig(volume=1.0))))
    quiet = next(iter(voice.synthesize("Hello.", SynthesisConfig(volume=0.5))))

    assert float(np.max(np.abs(loud.audio_float_array))) == pytest.approx(1.0, abs=1e-3)
    assert float(np.max(np.abs(quiet.audio_float_array))) == pytest.approx(0.5, abs=1e-3)
