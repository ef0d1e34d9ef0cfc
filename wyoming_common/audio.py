"""Audio formats and conversions: any PCM in, the format an engine wants out; WAV I/O."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import BadRequestError

_MAX_RATE = 192_000
_MIN_RATE = 1_000
_MAX_CHANNELS = 8


@dataclass(frozen=True)
class AudioFormat:
    """Raw PCM format: samples per second, bytes per sample, interleaved channels."""

    rate: int
    width: int
    channels: int

    def validate(self) -> AudioFormat:
        """Raise BadRequestError unless this is a PCM format we can convert."""
        if not isinstance(self.rate, int) or not _MIN_RATE <= self.rate <= _MAX_RATE:
            raise BadRequestError(f"unsupported sample rate {self.rate!r}")
        if self.width not in (1, 2, 3, 4):
            raise BadRequestError(f"unsupported sample width {self.width!r} (1-4 bytes)")
        if not isinstance(self.channels, int) or not 1 <= self.channels <= _MAX_CHANNELS:
            raise BadRequestError(f"unsupported channel count {self.channels!r}")
        return self

    @property
    def bytes_per_frame(self) -> int:
        """Bytes for one sample of every channel."""
        return self.width * self.channels

    def seconds(self, num_bytes: int) -> float:
        """Duration of num_bytes of audio in this format."""
        return num_bytes / (self.bytes_per_frame * self.rate)


STT_FORMAT = AudioFormat(rate=16000, width=2, channels=1)


@dataclass(frozen=True)
class AudioLimits:
    """What a service accepts from a client: anything a microphone or a voice produces, not
    192 kHz / 32-bit / 8 channels (6 MB a second)."""

    min_rate: int = 8_000
    max_rate: int = 48_000
    max_width: int = 4
    max_channels: int = 2


EDGE_AUDIO_LIMITS = AudioLimits()
"""The base handler checks every audio-start/audio-chunk a service receives against these."""


def max_audio_bytes(fmt: AudioFormat, max_seconds: float) -> int:
    """Bytes of max_seconds of audio in the format the client announced (whole frames)."""
    return int(max_seconds * fmt.rate) * fmt.bytes_per_frame


class AudioBudget:
    """Bounds the audio of one request: max_seconds at the negotiated format, in bytes."""

    def __init__(self, fmt: AudioFormat, max_seconds: float) -> None:
        self.format = fmt
        self.max_bytes = max_audio_bytes(fmt, max_seconds)
        self.used = 0

    def take(self, size: int) -> int:
        """How many of size new bytes still fit (0 once the budget is spent)."""
        granted = max(0, min(size, self.max_bytes - self.used))
        self.used += granted
        return granted

    @property
    def exhausted(self) -> bool:
        """True once max_seconds of audio were taken."""
        return self.used >= self.max_bytes


def pcm_to_float(data: bytes, fmt: AudioFormat) -> np.ndarray:
    """Interleaved PCM → float32 mono in [-1, 1] (channels averaged); partial frames dropped."""
    usable = len(data) - len(data) % fmt.bytes_per_frame
    raw = np.frombuffer(data[:usable], dtype=np.uint8)
    if fmt.width == 1:  # WAV 8-bit is unsigned
        samples = (raw.astype(np.float32) - 128.0) / 128.0
    elif fmt.width == 2:
        samples = raw.view("<i2").astype(np.float32) / 32768.0
    elif fmt.width == 3:
        triples = raw.reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - 0x1000000, ints)
        samples = ints.astype(np.float32) / 8388608.0
    else:
        samples = raw.view("<i4").astype(np.float32) / 2147483648.0
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1)
    return samples.astype(np.float32, copy=False)


def float_to_pcm16(samples: np.ndarray) -> bytes:
    """float32 in [-1, 1] → little-endian 16-bit PCM (clipped)."""
    clipped = np.clip(samples, -1.0, 1.0)
    return bytes((clipped * 32767.0).astype("<i2").tobytes())


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Little-endian 16-bit mono PCM → float32 in [-1, 1]."""
    return pcm_to_float(data, STT_FORMAT)


def _lowpass(samples: np.ndarray, cutoff: float, taps: int = 63) -> np.ndarray:
    """Windowed-sinc low-pass; cutoff as a fraction of the sample rate (0 < cutoff < 0.5)."""
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff * n) * np.hamming(taps)
    kernel /= kernel.sum()
    # "full" then slice: mode="same" returns max(len(samples), taps) values, which made
    # chunks shorter than the kernel come out longer than they went in.
    full = np.convolve(samples, kernel.astype(np.float32), mode="full")
    start = (taps - 1) // 2
    return full[start : start + samples.size].astype(np.float32)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample float32 mono audio (anti-aliased when going down)."""
    if src_rate == dst_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    if dst_rate < src_rate:
        samples = _lowpass(samples, 0.45 * dst_rate / src_rate)
    duration = samples.size / src_rate
    count = max(1, round(duration * dst_rate))
    positions = np.arange(count, dtype=np.float64) * (src_rate / dst_rate)
    resampled: np.ndarray = np.interp(positions, np.arange(samples.size), samples)
    return resampled.astype(np.float32)


def to_float_mono(data: bytes, fmt: AudioFormat, rate: int = 16000) -> np.ndarray:
    """Any PCM → float32 mono at rate."""
    return resample(pcm_to_float(data, fmt), fmt.rate, rate)


def convert_pcm(data: bytes, src: AudioFormat, dst: AudioFormat = STT_FORMAT) -> bytes:
    """Any PCM → 16-bit PCM in dst's rate and channel count."""
    if src == dst:
        return data[: len(data) - len(data) % src.bytes_per_frame]
    if dst.width != 2:
        raise BadRequestError("only 16-bit output is supported")
    mono = to_float_mono(data, src, dst.rate)
    if dst.channels > 1:
        mono = np.repeat(mono, dst.channels)
    return float_to_pcm16(mono)


def read_wav(path: str | Path) -> tuple[bytes, AudioFormat]:
    """Read a PCM WAV file into raw frames and their format."""
    try:
        with wave.open(str(path), "rb") as wav:
            fmt = AudioFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
            return wav.readframes(wav.getnframes()), fmt
    except (wave.Error, EOFError) as err:
        raise BadRequestError(f"{path}: not a PCM WAV file ({err})") from err


def read_wav_bytes(data: bytes) -> tuple[bytes, AudioFormat]:
    """Parse WAV bytes into raw frames and their format."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            fmt = AudioFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
            return wav.readframes(wav.getnframes()), fmt.validate()
    except (wave.Error, EOFError) as err:
        raise BadRequestError(f"not a PCM WAV file ({err})") from err


def wav_bytes(pcm: bytes, fmt: AudioFormat) -> bytes:
    """Wrap raw PCM in a WAV container."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setframerate(fmt.rate)
        wav.setsampwidth(fmt.width)
        wav.setnchannels(fmt.channels)
        wav.writeframes(pcm)
    return buffer.getvalue()


def write_wav(path: str | Path, pcm: bytes, fmt: AudioFormat) -> None:
    """Write raw PCM as a WAV file."""
    Path(path).write_bytes(wav_bytes(pcm, fmt))


def chunk_bytes(data: bytes, size: int) -> list[bytes]:
    """Split data into pieces of at most size bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)]
