"""The one Wyoming TTS client: reply text in, audio out (streamed when the service supports it).

`TtsSynthesis` is one request whose text may still be growing (the pipeline feeds it the
agent's chunks); `synthesize` is a whole text on a new connection, timed, as `wyoming-voice
synthesize` and `bench tts` use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
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

from .audio_io import ReplyCollector
from .errors import ServiceError
from .service_check import check_service

STAGE = "tts"
AudioCallback = Callable[[bytes, AudioFormat], Awaitable[None]]


async def _discard(audio: bytes, fmt: AudioFormat) -> None:
    """No listener: the caller reads the audio from elsewhere (or not at all)."""


class TtsSynthesis:
    """One reply on one connection.

    Streaming: synthesize-start, a synthesize-chunk per piece of text as the agent writes it,
    synthesize (the whole text, for compatibility) and synthesize-stop; audio blocks come
    back while text is still going in, until synthesize-stopped. Otherwise: one synthesize
    with the whole text, audio until the first audio-stop.
    """

    def __init__(
        self,
        uri: str,
        *,
        streaming: bool,
        on_audio: AudioCallback = _discard,
        voice: str | None = None,
        speaker: str | None = None,
        connect_timeout: float = 5.0,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.uri = uri
        self.streaming = streaming
        self.voice = voice
        self.speaker = speaker
        self._on_audio = on_audio
        self._clock = clock
        self._conn = WyomingConnection(uri, connect_timeout=connect_timeout, read_timeout=timeout)
        self._reader: asyncio.Task[None] | None = None
        self._sent_text = False
        self.opened_at: float | None = None
        self.first_audio_at: float | None = None
        self.last_audio_at: float | None = None
        self.audio_format: AudioFormat | None = None
        self.start_format: AudioFormat | None = None
        self.audio_seconds = 0.0
        self.blocks = 0

    def _voice(self) -> SynthesizeVoice | None:
        if self.voice is None and self.speaker is None:
            return None
        return SynthesizeVoice(name=self.voice, speaker=self.speaker)

    async def open(self) -> None:
        """Connect (and open the text stream) before the first text exists."""
        self.opened_at = self._clock()
        try:
            await self._conn.connect()
            if self.streaming:
                await self._conn.write(SynthesizeStart(voice=self._voice()).event())
        except ServiceUnavailableError as err:
            raise ServiceError(STAGE, str(err)) from err
        self._reader = asyncio.create_task(self._read())

    async def add_text(self, text: str) -> None:
        """Stream a piece of the reply (streaming services only)."""
        if not self.streaming or not text:
            return
        self._sent_text = True
        await self._write(SynthesizeChunk(text=text).event())

    async def finish(self, full_text: str) -> None:
        """Send the end of the text and wait until every audio block has been received."""
        if self.streaming:
            if full_text and not self._sent_text:
                await self._write(SynthesizeChunk(text=full_text).event())
            if full_text:
                await self._write(Synthesize(text=full_text, voice=self._voice()).event())
            await self._write(SynthesizeStop().event())
        else:
            await self._write(Synthesize(text=full_text, voice=self._voice()).event())
        assert self._reader is not None
        await self._reader

    async def close(self) -> None:
        """Stop reading and close the connection."""
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ServiceError):
                await self._reader
        await self._conn.close()

    async def _write(self, event: Event) -> None:
        try:
            await self._conn.write(event)
        except ServiceUnavailableError as err:
            raise ServiceError(STAGE, str(err)) from err

    async def _read(self) -> None:
        fmt: AudioFormat | None = None
        try:
            while True:
                event = await self._conn.read()
                if event is None:
                    raise ServiceError(STAGE, f"{self.uri} closed the connection early")
                if AudioStart.is_type(event.type):
                    start = AudioStart.from_event(event)
                    fmt = AudioFormat(start.rate, start.width, start.channels)
                    self.start_format = self.start_format or fmt
                elif AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels)
                    if self.first_audio_at is None:
                        self.first_audio_at = self._clock()
                        self.audio_format = fmt
                    self.last_audio_at = self._clock()
                    self.audio_seconds += fmt.seconds(len(chunk.audio))
                    await self._on_audio(chunk.audio, fmt)
                elif AudioStop.is_type(event.type):
                    self.blocks += 1
                    if not self.streaming:
                        return
                elif SynthesizeStopped.is_type(event.type):
                    return
                elif Error.is_type(event.type):
                    error = Error.from_event(event)
                    raise ServiceError(STAGE, f"{error.text} ({error.code})")
        except ServiceError:
            raise
        except ServiceUnavailableError as err:
            raise ServiceError(STAGE, str(err)) from err


@dataclass
class SpeechResult:
    """Audio of one request and when it arrived (seconds from opening the connection)."""

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
    check: bool = True,
) -> SpeechResult:
    """One request on a new connection; `stream` sends the text in fragments like HA does.

    The audio is kept in the format of the first block. Raises ServiceError.
    """
    if check:
        await check_service(STAGE, uri, min(timeout, 5.0))
    collector = ReplyCollector()  # converts a block in another format to the first's
    synthesis = TtsSynthesis(
        uri,
        streaming=stream,
        on_audio=collector.on_audio,
        voice=voice,
        speaker=speaker,
        timeout=timeout,
    )
    try:
        await synthesis.open()
        for fragment in text_fragments(text) if stream else ():
            await synthesis.add_text(fragment)
        await synthesis.finish(text)
    finally:
        await synthesis.close()
    result = SpeechResult(audio=collector.audio, fmt=collector.fmt)
    opened = synthesis.opened_at or 0.0
    if synthesis.first_audio_at is not None:
        result.first_audio = synthesis.first_audio_at - opened
    result.total = time.monotonic() - opened
    result.blocks = synthesis.blocks
    result.fmt = result.fmt or synthesis.start_format
    return result
