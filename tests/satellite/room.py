"""A room for the satellite: a speaker that plays in real time (scaled like the scripted
microphone) and whose sound reaches the microphone, and our own voice from espeak-ng."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from voice_pipeline.convert import PcmConverter, scale_pcm16
from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav

from .harness import ScriptedMicrophone


def espeak(text: str) -> bytes:
    """text spoken by espeak-ng, as 16 kHz mono 16-bit PCM (our embedded TTS voice)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(path), text], check=True, timeout=30)
        pcm, fmt = read_wav(path)
    return convert_pcm(pcm, fmt.validate(), STT_FORMAT)


@dataclass
class Played:
    """One sound as the room heard it."""

    fmt: AudioFormat
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    ended: float | None = None
    interrupted: bool = False


class RoomSpeaker:
    """Plays at `speed` times real time; with a microphone, what it plays is heard at echo_gain."""

    description = "room speaker"

    def __init__(
        self, mic: ScriptedMicrophone | None = None, *, echo_gain: float = 0.5, speed: float = 1.0
    ) -> None:
        self.mic = mic
        self.echo_gain = echo_gain
        self.speed = speed
        self.played: list[Played] = []

    async def play(self, fmt: AudioFormat, audio: AsyncIterator[bytes]) -> None:
        record = Played(fmt)
        self.played.append(record)
        converter = PcmConverter(fmt, STT_FORMAT)
        try:
            async for block in audio:
                for i in range(0, len(block), 2048):  # a sound card takes small periods
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
