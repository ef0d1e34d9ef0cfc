"""Audio formats: sample widths, channel mixing, resampling, WAV I/O, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wyoming_common.audio import (
    STT_FORMAT,
    AudioFormat,
    chunk_bytes,
    convert_pcm,
    float_to_pcm16,
    pcm16_to_float,
    pcm_to_float,
    read_wav,
    read_wav_bytes,
    resample,
    to_float_mono,
    wav_bytes,
    write_wav,
)
from wyoming_common.errors import BadRequestError


def encode(samples: np.ndarray, width: int) -> bytes:
    """Reference encoder for little-endian PCM (8-bit unsigned, like WAV)."""
    scale = float(2 ** (8 * width - 1))
    ints = np.clip(np.round(samples.astype(np.float64) * scale), -scale, scale - 1)
    ints = ints.astype(np.int64)
    if width == 1:
        return (ints + 128).astype(np.uint8).tobytes()
    if width == 3:
        raw = ints.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return raw.tobytes()
    return ints.astype(f"<i{width}").tobytes()


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(
    ("width", "raw", "expected"),
    [
        (1, bytes([0, 128, 192, 255]), [-1.0, 0.0, 0.5, 127 / 128]),
        (2, np.array([-32768, 0, 16384, 32767], "<i2").tobytes(), [-1.0, 0.0, 0.5, 32767 / 32768]),
        (
            3,
            bytes([0, 0, 0x80, 0, 0, 0, 0, 0, 0x40, 0xFF, 0xFF, 0xFF]),
            [-1.0, 0.0, 0.5, -1 / 2**23],
        ),
        (4, np.array([-(2**31), 0, 2**30, -1], "<i4").tobytes(), [-1.0, 0.0, 0.5, -1 / 2**31]),
    ],
)
def test_pcm_to_float_exact_values(width: int, raw: bytes, expected: list[float]) -> None:
    values = pcm_to_float(raw, AudioFormat(16000, width, 1))
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, expected, atol=1e-6)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_every_width_converts_to_16_bit(width: int) -> None:
    signal = sine(440, 16000, 0.1, amplitude=0.8)
    converted = convert_pcm(encode(signal, width), AudioFormat(16000, width, 1), STT_FORMAT)
    assert len(converted) == signal.size * 2
    got = np.frombuffer(converted, "<i2").astype(np.float64) / 32768
    tolerance = 1 / 128 + 1e-3 if width == 1 else 2 / 32768
    np.testing.assert_allclose(got, signal, atol=tolerance)


def test_float_to_pcm16_clips_and_round_trips() -> None:
    data = float_to_pcm16(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0], np.float32))
    assert np.frombuffer(data, "<i2").tolist() == [-32767, -32767, 0, 16383, 32767, 32767]
    back = pcm16_to_float(data)
    np.testing.assert_allclose(back, [-1, -1, 0, 0.5, 1, 1], atol=1e-4)


def test_partial_frames_are_dropped() -> None:
    stereo = AudioFormat(16000, 2, 2)
    assert pcm_to_float(b"\x00" * 7, stereo).size == 1
    assert convert_pcm(b"\x01" * 5, STT_FORMAT, STT_FORMAT) == b"\x01" * 4


def test_stereo_to_mono_averages_channels() -> None:
    frames = np.array([[0.5, 0.25], [-0.5, 0.5], [1.0, -1.0]], np.float32).reshape(-1)
    mono = pcm_to_float(encode(frames, 2), AudioFormat(16000, 2, 2))
    np.testing.assert_allclose(mono, [0.375, 0.0, 0.0], atol=1e-4)
    out = convert_pcm(encode(frames, 2), AudioFormat(16000, 2, 2), STT_FORMAT)
    assert len(out) == 3 * 2


def test_mono_to_stereo_duplicates() -> None:
    mono = encode(np.array([0.25, -0.5], np.float32), 2)
    out = convert_pcm(mono, STT_FORMAT, AudioFormat(16000, 2, 2))
    assert np.frombuffer(out, "<i2").reshape(-1, 2)[:, 0].tolist() == [8191, -16383]
    assert np.frombuffer(out, "<i2").reshape(-1, 2)[:, 1].tolist() == [8191, -16383]


@pytest.mark.parametrize("rate", [44100, 48000, 22050, 8000])
def test_resampled_sine_keeps_frequency_duration_and_level(rate: int) -> None:
    seconds = 1.0
    source = sine(440, rate, seconds)
    out = convert_pcm(encode(source, 2), AudioFormat(rate, 2, 1), STT_FORMAT)
    samples = np.frombuffer(out, "<i2").astype(np.float32) / 32768
    assert abs(samples.size / 16000 - seconds) / seconds < 0.01
    assert abs(peak_frequency(samples, 16000) - 440) <= 2.0
    rms = float(np.sqrt(np.mean(samples[500:-500] ** 2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.02


def test_downsampling_filters_out_tones_above_nyquist() -> None:
    # 11 kHz cannot exist at 16 kHz: without a low-pass it would alias to 5 kHz
    tone = sine(11000, 48000, 0.5, amplitude=0.5)
    out = to_float_mono(encode(tone, 2), AudioFormat(48000, 2, 1), 16000)
    rms = float(np.sqrt(np.mean(out[200:-200] ** 2)))
    assert rms < 0.01 * 0.5


@pytest.mark.parametrize("size", [1, 10, 62, 63, 64, 480])
def test_resample_length_matches_duration_for_small_chunks(size: int) -> None:
    # Streams are converted chunk by chunk: each output must match its own duration.
    out = resample(np.ones(size, np.float32), 48000, 16000)
    assert out.size == max(1, round(size / 3))


def test_resample_same_rate_and_empty() -> None:
    data = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(resample(data, 16000, 16000), data)
    assert resample(np.zeros(0, np.float32), 48000, 16000).size == 0


def test_only_16_bit_output() -> None:
    with pytest.raises(BadRequestError):
        convert_pcm(b"\x00\x00" * 10, AudioFormat(22050, 2, 1), AudioFormat(16000, 4, 1))


@pytest.mark.parametrize(
    "fmt",
    [
        AudioFormat(16000, 2, 1),
        AudioFormat(22050, 1, 2),
        AudioFormat(48000, 3, 8),
        AudioFormat(1000, 4, 1),
        AudioFormat(192000, 2, 1),
    ],
)
def test_valid_formats(fmt: AudioFormat) -> None:
    assert fmt.validate() is fmt


@pytest.mark.parametrize(
    ("fmt", "word"),
    [
        (AudioFormat(0, 2, 1), "rate"),
        (AudioFormat(999, 2, 1), "rate"),
        (AudioFormat(192001, 2, 1), "rate"),
        (AudioFormat(16000.0, 2, 1), "rate"),  # type: ignore[arg-type]
        (AudioFormat(16000, 0, 1), "width"),
        (AudioFormat(16000, 5, 1), "width"),
        (AudioFormat(16000, 2, 0), "channel"),
        (AudioFormat(16000, 2, 9), "channel"),
    ],
)
def test_invalid_formats(fmt: AudioFormat, word: str) -> None:
    with pytest.raises(BadRequestError, match=word) as info:
        fmt.validate()
    assert info.value.code == "bad-request"


def test_format_arithmetic() -> None:
    fmt = AudioFormat(22050, 2, 2)
    assert fmt.bytes_per_frame == 4
    assert fmt.seconds(22050 * 4) == 1.0
    assert AudioFormat(16000, 2, 1) == STT_FORMAT


@pytest.mark.parametrize("fmt", [AudioFormat(16000, 2, 1), AudioFormat(44100, 3, 2)])
def test_wav_round_trip(fmt: AudioFormat, tmp_path: Path) -> None:
    pcm = bytes(range(256)) * fmt.bytes_per_frame * 4
    assert read_wav_bytes(wav_bytes(pcm, fmt)) == (pcm, fmt)
    path = tmp_path / "clip.wav"
    write_wav(path, pcm, fmt)
    assert read_wav(path) == (pcm, fmt)


def test_not_a_wav(tmp_path: Path) -> None:
    with pytest.raises(BadRequestError, match="WAV"):
        read_wav_bytes(b"RIFF....not really")
    path = tmp_path / "bad.wav"
    path.write_bytes(b"hello")
    with pytest.raises(BadRequestError, match="WAV"):
        read_wav(path)


def test_chunk_bytes() -> None:
    assert chunk_bytes(b"abcdefg", 3) == [b"abc", b"def", b"g"]
    assert chunk_bytes(b"", 3) == []
