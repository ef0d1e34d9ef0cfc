"""Reply text in, audio out, through a Wyoming TTS service (streamed when it supports it)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

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

from .errors import PipelineError
from .types import PipelineOptions

AudioCallback = Callable[[bytes, AudioFormat], Awaitable[None]]


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
        options: PipelineOptions,
        *,
        streaming: bool,
        on_audio: AudioCallback,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.uri = uri
        self.options = options
        self.streaming = streaming
        self._on_audio = on_audio
        self._clock = clock
        self._conn = WyomingConnection(
            uri, connect_timeout=options.connect_timeout, read_timeout=options.tts_timeout
        )
        self._reader: asyncio.Task[None] | None = None
        self._sent_text = False
        self.first_audio_at: float | None = None
        self.last_audio_at: float | None = None
        self.audio_format: AudioFormat | None = None
        self.audio_seconds = 0.0

    def _voice(self) -> SynthesizeVoice | None:
        if self.options.voice is None and self.options.speaker is None:
            return None
        return SynthesizeVoice(name=self.options.voice, speaker=self.options.speaker)

    async def open(self) -> None:
        """Connect (and open the text stream) before the first text exists."""
        try:
            await self._conn.connect()
            if self.streaming:
                await self._conn.write(SynthesizeStart(voice=self._voice()).event())
        except ServiceUnavailableError as err:
            raise PipelineError("tts", str(err)) from err
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
            with contextlib.suppress(asyncio.CancelledError, PipelineError):
                await self._reader
        await self._conn.close()

    async def _write(self, event: Event) -> None:
        try:
            await self._conn.write(event)
        except ServiceUnavailableError as err:
            raise PipelineError("tts", str(err)) from err

    async def _read(self) -> None:
        fmt: AudioFormat | None = None
        try:
            while True:
                event = await self._conn.read()
                if event is None:
                    raise PipelineError("tts", f"{self.uri} closed the connection early")
                if AudioStart.is_type(event.type):
                    start = AudioStart.from_event(event)
                    fmt = AudioFormat(start.rate, start.width, start.channels)
                elif AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels)
                    if self.first_audio_at is None:
                        self.first_audio_at = self._clock()
                        self.audio_format = fmt
                    self.last_audio_at = self._clock()
                    self.audio_seconds += fmt.seconds(len(chunk.audio))
                    await self._on_audio(chunk.audio, fmt)
                elif SynthesizeStopped.is_type(event.type) or (
                    AudioStop.is_type(event.type) and not self.streaming
                ):
                    return
                elif Error.is_type(event.type):
                    error = Error.from_event(event)
                    raise PipelineError("tts", f"{error.text} ({error.code})")
        except ServiceUnavailableError as err:
            raise PipelineError("tts", str(err)) from err
