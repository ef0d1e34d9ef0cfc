"""A simulated room for a satellite under test: a microphone that hears everything mixed (the
user's voice and the satellite's own speaker) and a speaker that plays in real time and whose
sound reaches that microphone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from satellite.devices.mic import WavMicrophone
from voice_pipeline.convert import PcmConverter, scale_pcm16
from wyoming_common.audio import STT_FORMAT, AudioFormat


class RoomMicrophone(WavMicrophone):
    """The WAV microphone whose `mix` adds sound to what it hears from now on (voices and the
    speaker overlap instead of taking turns)."""

    def mix(self, pcm: bytes, gain: float = 1.0) -> float:
        """Add 16 kHz mono audio starting now; returns when (monotonic) it starts to be heard."""
        if self._offset:
            del self._pending[: self._offset]
            self._offset = 0
        if len(self._pending) < len(pcm):
            self._pending.extend(bytes(len(pcm) - len(self._pending)))
        here = np.frombuffer(bytes(self._pending[: len(pcm)]), dtype="<i2").astype(np.float32)
        added = np.frombuffer(pcm, dtype="<i2").astype(np.float32) * gain
        mixed = np.clip(here + added, -32768, 32767).astype("<i2").tobytes()
        self._pending[: len(pcm)] = mixed
        return time.monotonic()


@dataclass
class Played:
    """One sound as the room heard it."""

    fmt: AudioFormat
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    ended: float | None = None
    interrupted: bool = False


class RoomSpeaker:
    """Plays at `speed` times real time in small periods like a sound card; with a microphone,
    what it plays is heard there at echo_gain."""

    description = "room speaker"

    def __init__(
        self, mic: RoomMicrophone | None = None, *, echo_gain: float = 0.5, speed: float = 1.0
    ) -> None:
        self.mic = mic
        self.echo_gain = echo_gain
        self.speed = speed
        self.played: list[Played] = []

    async def play(self, fmt: AudioFormat, audio: AsyncIterator[bytes]) -> None:
        """Play one sound (a Speaker)."""
        record = Played(fmt)
        self.played.append(record)
        converter = PcmConverter(fmt, STT_FORMAT)
        try:
            async for block in audio:
                for i in range(0, len(block), 2048):
                    data = block[i : i + 2048]
                    seconds = fmt.seconds(len(data))
                    if self.mic is not None:
                        self.mic.mix(scale_pcm16(converter.convert(data), self.echo_gain))
                    await asyncio.sleep(seconds / self.speed)
                    record.seconds += seconds
        except asyncio.CancelledError:
            record.interrupted = True
            raise
        finally:
            record.ended = time.monotonic()
