"""Streaming PCM conversion: chunk boundaries leave no clicks (filter and phase carry over)."""

from __future__ import annotations

import math

import numpy as np

from wyoming_common.audio import AudioFormat, float_to_pcm16, pcm_to_float


def _lowpass_kernel(cutoff: float, taps: int) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff * n) * np.hamming(taps)
    result: np.ndarray = (kernel / kernel.sum()).astype(np.float32)
    return result


class StreamResampler:
    """Resamples a float32 mono stream piece by piece, as if it were one long signal."""

    def __init__(self, src_rate: int, dst_rate: int, taps: int = 63) -> None:
        self.step = src_rate / dst_rate  # input samples per output sample
        self._kernel = _lowpass_kernel(0.45 / self.step, taps) if dst_rate < src_rate else None
        self._history = np.zeros(taps - 1 if self._kernel is not None else 0, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._offset = 0  # input index of _pending[0]
        # The filter delays its output by half its length: start there so output lines up.
        self._next = (taps - 1) / 2 if self._kernel is not None else 0.0

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Resample the next piece of the stream."""
        if self._kernel is not None:
            padded = np.concatenate((self._history, samples))
            samples = np.convolve(padded, self._kernel, mode="valid").astype(np.float32)
            if self._history.size:
                self._history = padded[-self._history.size :]
        pending = np.concatenate((self._pending, samples))
        last = self._offset + pending.size - 1
        if pending.size == 0 or self._next > last:
            self._pending = pending
            return np.zeros(0, dtype=np.float32)
        count = math.floor((last - self._next) / self.step) + 1
        positions = self._next + self.step * np.arange(count)
        out = np.interp(positions - self._offset, np.arange(pending.size), pending)
        self._next += count * self.step
        drop = min(max(0, math.floor(self._next) - self._offset), pending.size)
        self._pending = pending[drop:]
        self._offset += drop
        result: np.ndarray = out.astype(np.float32)
        return result

    def flush(self) -> np.ndarray:
        """The samples still held back by the filter (call once, at the end of the stream)."""
        if self._kernel is None:
            return np.zeros(0, dtype=np.float32)
        return self.process(np.zeros(self._history.size // 2, dtype=np.float32))


class PcmConverter:
    """Converts a stream of PCM chunks from one format to 16-bit PCM in another."""

    def __init__(self, src: AudioFormat, dst: AudioFormat) -> None:
        if dst.width != 2:
            raise ValueError("only 16-bit output is supported")
        self.src = src
        self.dst = dst
        self._leftover = b""
        self._resampler = StreamResampler(src.rate, dst.rate) if src.rate != dst.rate else None

    def convert(self, data: bytes) -> bytes:
        """Convert the next chunk; partial frames wait for the next call."""
        data = self._leftover + data
        usable = len(data) - len(data) % self.src.bytes_per_frame
        data, self._leftover = data[:usable], data[usable:]
        if self.src == self.dst:
            return data
        mono = pcm_to_float(data, self.src)
        if self._resampler is not None:
            mono = self._resampler.process(mono)
        if self.dst.channels > 1:
            mono = np.repeat(mono, self.dst.channels)
        return float_to_pcm16(mono)

    def flush(self) -> bytes:
        """The end of the stream: what the resampler still holds."""
        if self._resampler is None:
            return b""
        mono = self._resampler.flush()
        if self.dst.channels > 1:
            mono = np.repeat(mono, self.dst.channels)
        return float_to_pcm16(mono)


def scale_pcm16(data: bytes, factor: float) -> bytes:
    """Multiply 16-bit samples by factor, clipping instead of wrapping around."""
    if factor == 1.0 or not data:
        return data
    samples = np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2").astype(np.float32)
    scaled: bytes = np.clip(samples * factor, -32768, 32767).astype("<i2").tobytes()
    return scaled
