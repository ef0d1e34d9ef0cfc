"""Client side of a TTS request, as Home Assistant makes it (used by the CLI and the bench)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from wyoming_common.audio import AudioFormat
from wyoming_common.client import ServiceUnavailableError, WyomingConnection


@dataclass
class SpeechResult:
    """Audio of one request and when it arrived (seconds from the first event sent)."""

    audio: bytearray = field(default_factory=bytearray)
    fmt: AudioFormat | None = None
    first_audio: float | None = None
    total: float = 0.0
    blocks: int = 0

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return self.fmt.seconds(len(self.audio)) if self.fmt else 0.0


def text_fragments(text: str, size: int = 12) -> list[str]:
    """Text cut into LLM-like deltas of about size characters (words split mid-way too)."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    fragments: list[str] = []
    for piece in pieces:
        fragments.extend(piece[i : i + size] for i in range(0, len(piece), size))
    return fragments


async def synthesize(
    uri: str,
    text: str,
    *,
    voice: str | None = None,
    speaker: str | None = None,
    stream: bool = False,
    timeout: float = 120.0,
) -> SpeechResult:
    """One request on a new connection; streaming sends text in fragments like HA does."""
    synth_voice = SynthesizeVoice(name=voice, speaker=speaker) if voice else None
    result = SpeechResult()
    async with WyomingConnection(uri, read_timeout=timeout) as conn:
        started = time.monotonic()

        async def write() -> None:
            if not stream:
                await conn.write(Synthesize(text=text, voice=synth_voice).event())
                return
            await conn.write(SynthesizeStart(voice=synth_voice).event())
            for fragment in text_fragments(text):
                await conn.write(SynthesizeChunk(text=fragment).event())
            await conn.write(Synthesize(text=text, voice=synth_voice).event())
            await conn.write(SynthesizeStop().event())

        writer = asyncio.ensure_future(write())
        try:
            await _read(conn, result, started, stream)
            await writer
        finally:
            if not writer.done():
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
    return result


async def _read(
    conn: WyomingConnection, result: SpeechResult, started: float, stream: bool
) -> None:
    while True:
        event = await conn.read()
        if event is None:
            raise ServiceUnavailableError(f"{conn.uri} closed the connection before the end")
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            result.fmt = result.fmt or AudioFormat(start.rate, start.width, start.channels)
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            if result.first_audio is None:
                result.first_audio = time.monotonic() - started
            result.audio.extend(chunk.audio)
        elif AudioStop.is_type(event.type):
            result.blocks += 1
            if not stream:
                break
        elif SynthesizeStopped.is_type(event.type):
            break
        elif Error.is_type(event.type):
            raise ServiceUnavailableError(f"{conn.uri}: {Error.from_event(event).text}")
    result.total = time.monotonic() - started
