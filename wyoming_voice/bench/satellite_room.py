"""A simulated room for a satellite under test: a microphone that hears everything mixed (the
user's voice and the satellite's own speaker) and a speaker that plays in real time and whose
sound reaches that microphone.

The speaker's sound reaches the microphone as a sound card's output does: one continuous
stream, a little late. (Added at the microphone's read position piece by piece, the echo had
gaps and overlaps no echo canceller can follow; speex's residual suppressor then cut into a
"stop" said over a reply, and the stop word was missed about one time in ten.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from satellite.devices.mic import WavMicrophone
from voice_pipeline.convert import PcmConverter, scale_pcm16
from wyoming_common.audio import STT_FORMAT, AudioFormat

ECHO_LATENCY_BYTES = 2 * 1024 * 2
"""How late the speaker is heard: a sound card's output buffer, two 64 ms microphone chunks."""


class RoomMicrophone(WavMicrophone):
    """The WAV microphone whose `mix` adds sound to what it hears from now on (voices and the
    speaker overlap instead of taking turns), and which hears the room's speaker."""

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(speed=speed)
        self._echo = bytearray()  # what the speaker is heard saying, from the next chunk on

    def mix(self, pcm: bytes, gain: float = 1.0) -> float:
        """Add 16 kHz mono audio starting now; returns when (monotonic) it starts to be heard."""
        if self._offset:
            del self._pending[: self._offset]
            self._offset = 0
        if len(self._pending) < len(pcm):
            self._pending.extend(bytes(len(pcm) - len(self._pending)))
        self._pending[: len(pcm)] = _mixed(bytes(self._pending[: len(pcm)]), pcm, gain)
        return time.monotonic()

    def mix_echo(self, pcm: bytes) -> None:
        """The speaker's next piece, heard right after its previous one, ECHO_LATENCY_BYTES
        late (again after the speaker ran dry)."""
        if not self._echo:
            self._echo.extend(bytes(ECHO_LATENCY_BYTES))
        self._echo.extend(pcm)

    def drop_echo(self) -> None:
        """The speaker was stopped: what it had buffered is never heard."""
        self._echo.clear()

    def _next_chunk(self) -> bytes | None:
        chunk = super()._next_chunk()
        if not self._echo:
            return chunk
        echo = bytes(self._echo[: self.chunk_bytes]).ljust(self.chunk_bytes, b"\0")
        del self._echo[: self.chunk_bytes]
        return _mixed(chunk or bytes(self.chunk_bytes), echo)


def _mixed(here: bytes, added: bytes, gain: float = 1.0) -> bytes:
    """Two 16-bit PCM sounds of one length played together (added at gain), clipped."""
    mixed = np.frombuffer(here, dtype="<i2").astype(np.float32)
    mixed += np.frombuffer(added, dtype="<i2").astype(np.float32) * gain
    return np.clip(mixed, -32768, 32767).astype("<i2").tobytes()


@dataclass
class Played:
    """One sound as the room heard it."""

    fmt: AudioFormat
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    ended: float | None = None
    interrupted: bool = False


class RoomSpeaker:
    """Plays at `speed` times real time in small periods like a sound card, paced by its own
    clock; with a microphone, what it plays is heard there at echo_gain, continuously."""

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
        started, due = time.monotonic(), 0.0
        try:
            async for block in audio:
                for i in range(0, len(block), 2048):
                    data = block[i : i + 2048]
                    seconds = fmt.seconds(len(data))
                    if self.mic is not None:
                        self.mic.mix_echo(scale_pcm16(converter.convert(data), self.echo_gain))
                    due += seconds / self.speed
                    await asyncio.sleep(max(0.0, started + due - time.monotonic()))
                    record.seconds += seconds
        except asyncio.CancelledError:
            record.interrupted = True
            if self.mic is not None:
                self.mic.drop_echo()
            raise
        finally:
            record.ended = time.monotonic()
