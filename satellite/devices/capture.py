"""Microphone capture in a task of its own: restarts a failing device, converts to 16 kHz mono,
applies gain (and webrtc noise suppression / auto gain when asked), timestamps each block."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from voice_pipeline.convert import PcmConverter, scale_pcm16
from wyoming_common.audio import STT_FORMAT, AudioFormat
from wyoming_common.errors import ConfigError

from ..errors import AudioDeviceError
from .echo import EchoFilter
from .mic import Microphone

_LOGGER = logging.getLogger(__name__)

_WEBRTC_FRAME = 320  # 10 ms of 16 kHz 16-bit mono, the only size webrtc processes


@dataclass(frozen=True)
class AudioBlock:
    """Conditioned microphone audio (16 kHz, 16-bit, mono) and its start in ms."""

    audio: bytes
    timestamp: int


class AudioEnhancer(Protocol):
    """Noise suppression / automatic gain on 10 ms frames."""

    def Process10ms(self, audio: bytes) -> Any:
        """Process 320 bytes; the result has `.audio`."""
        ...


def load_enhancer(noise_suppression: int, auto_gain: int) -> AudioEnhancer | None:
    """webrtc-noise-gain's AudioProcessor, or None when both are off."""
    if not noise_suppression and not auto_gain:
        return None
    try:
        from webrtc_noise_gain import AudioProcessor
    except ImportError as err:
        flag = "--mic-noise-suppression" if noise_suppression else "--mic-auto-gain"
        raise ConfigError(flag, "needs the webrtc-noise-gain package") from err
    processor: AudioEnhancer = AudioProcessor(auto_gain, noise_suppression)
    return processor


class MicProcessor:
    """Turns raw device audio into 16 kHz mono 16-bit blocks with gain applied."""

    def __init__(
        self,
        *,
        volume: float = 1.0,
        enhancer: AudioEnhancer | None = None,
        echo: EchoFilter | None = None,
    ) -> None:
        self.volume = volume
        self.enhancer = enhancer
        self.echo = echo
        self._converter: PcmConverter | None = None
        self._pending = b""

    def process(self, audio: bytes, fmt: AudioFormat) -> bytes:
        """Convert one device chunk; webrtc needs whole 10 ms frames, the rest waits."""
        if self._converter is None or self._converter.src != fmt:
            self._converter = PcmConverter(fmt.validate(), STT_FORMAT)
        pcm = scale_pcm16(self._converter.convert(audio), self.volume)
        if self.echo is not None:
            pcm = self.echo.process(pcm)
        if self.enhancer is None:
            return pcm
        data = self._pending + pcm
        usable = len(data) - len(data) % _WEBRTC_FRAME
        self._pending = data[usable:]
        return b"".join(
            self.enhancer.Process10ms(data[i : i + _WEBRTC_FRAME]).audio
            for i in range(0, usable, _WEBRTC_FRAME)
        )


class AudioCapture:
    """Reads the microphone forever; a failing device is reopened with a growing delay."""

    def __init__(
        self,
        mic: Microphone,
        processor: MicProcessor,
        *,
        queue_seconds: float = 4.0,
        retry_seconds: tuple[float, float] = (1.0, 10.0),
    ) -> None:
        self.mic = mic
        self.processor = processor
        self._queue: asyncio.Queue[AudioBlock] = asyncio.Queue()
        self._max_bytes = int(STT_FORMAT.rate * STT_FORMAT.bytes_per_frame * queue_seconds)
        self._queued_bytes = 0
        self._retry = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._samples = 0
        self._last_error: str | None = None
        self.dropped_blocks = 0

    async def start(self) -> None:
        """Start capturing in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="satellite microphone")

    async def stop(self) -> None:
        """Stop capturing (the device process is terminated)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def blocks(self) -> AsyncIterator[AudioBlock]:
        """Conditioned blocks in order (one consumer)."""
        while True:
            block = await self._queue.get()
            self._queued_bytes -= len(block.audio)
            yield block

    async def _run(self) -> None:
        delay = self._retry[0]
        while True:
            try:
                _LOGGER.debug("Opening microphone: %s", self.mic.description)
                async for raw in self.mic.open():
                    if self._last_error is not None:
                        _LOGGER.info("Microphone working again: %s", self.mic.description)
                        self._last_error = None
                    self._put(self.processor.process(raw.audio, raw.fmt))
                    delay = self._retry[0]
                raise AudioDeviceError("microphone stream ended")
            except AudioDeviceError as err:
                # Say it once, not every retry: a Pi without its sound card would fill the log.
                level = logging.DEBUG if str(err) == self._last_error else logging.WARNING
                _LOGGER.log(level, "Microphone failed (%s); retrying in %.0f s", err, delay)
                self._last_error = str(err)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._retry[1])

    def _put(self, pcm: bytes) -> None:
        if not pcm:
            return
        block = AudioBlock(pcm, self._samples * 1000 // STT_FORMAT.rate)
        self._samples += len(pcm) // STT_FORMAT.bytes_per_frame
        # A stalled consumer must not build up latency: drop the oldest audio instead.
        while self._queued_bytes + len(pcm) > self._max_bytes and not self._queue.empty():
            self._queued_bytes -= len(self._queue.get_nowait().audio)
            self.dropped_blocks += 1
        self._queue.put_nowait(block)
        self._queued_bytes += len(pcm)
