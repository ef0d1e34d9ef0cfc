"""Stream audio to a Wyoming STT service and get the transcript (standalone pipeline stage 1)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error

from wyoming_common.audio import STT_FORMAT
from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .errors import PipelineError
from .types import PipelineOptions


@dataclass(frozen=True)
class SttOutcome:
    """The transcript and when the speech ended / the transcript arrived (monotonic)."""

    text: str
    end_of_speech: float
    transcript_at: float


async def _send_audio(
    conn: WyomingConnection,
    audio: AsyncIterable[bytes],
    end_of_speech: asyncio.Event | None,
    clock: Callable[[], float],
) -> float:
    """Forward chunks until the input ends or end_of_speech is set; returns that moment."""
    fmt = STT_FORMAT
    timestamp = 0
    iterator = aiter(audio)
    eos_wait = asyncio.ensure_future(end_of_speech.wait()) if end_of_speech else None
    try:
        while True:
            next_chunk = asyncio.ensure_future(anext(iterator))
            if eos_wait is not None:
                await asyncio.wait({next_chunk, eos_wait}, return_when=asyncio.FIRST_COMPLETED)
                if not next_chunk.done():
                    next_chunk.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await next_chunk
                    break
            try:
                data = await next_chunk
            except StopAsyncIteration:
                break
            chunk = AudioChunk(
                rate=fmt.rate,
                width=fmt.width,
                channels=fmt.channels,
                audio=data,
                timestamp=timestamp,
            )
            await conn.write(chunk.event())
            timestamp += int(fmt.seconds(len(data)) * 1000)
    finally:
        if eos_wait is not None:
            eos_wait.cancel()
    return clock()


async def _read_transcript(conn: WyomingConnection, timeout: float) -> str:
    while True:
        event = await conn.read(timeout=timeout)
        if event is None:
            raise PipelineError("stt", f"{conn.uri} closed the connection before a transcript")
        if Transcript.is_type(event.type):
            return Transcript.from_event(event).text or ""
        if Error.is_type(event.type):
            error = Error.from_event(event)
            raise PipelineError("stt", f"{error.text} ({error.code})")


async def transcribe_stream(
    uri: str,
    audio: AsyncIterable[bytes],
    options: PipelineOptions,
    *,
    end_of_speech: asyncio.Event | None = None,
    on_end_of_speech: Callable[[], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SttOutcome:
    """transcribe → audio-start → chunks (as they come) → audio-stop → transcript.

    A transcript that arrives before the audio ended (server-side endpointing) ends the
    stream early.
    """
    conn = WyomingConnection(
        uri, connect_timeout=options.connect_timeout, read_timeout=options.stt_timeout
    )
    try:
        await conn.connect()
        fmt = STT_FORMAT
        await conn.write(Transcribe(language=options.language).event())
        await conn.write(AudioStart(rate=fmt.rate, width=fmt.width, channels=fmt.channels).event())
        # No read timeout while the user is still speaking; it applies after the end.
        reader = asyncio.create_task(_read_transcript(conn, 3600.0))
        sender = asyncio.create_task(_send_audio(conn, audio, end_of_speech, clock))
        try:
            await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
            if sender.done():
                eos = sender.result()
                await conn.write(AudioStop().event())
                if on_end_of_speech is not None:
                    await on_end_of_speech()
                text = await asyncio.wait_for(reader, options.stt_timeout)
            else:
                text = reader.result()
                eos = clock()
                if on_end_of_speech is not None:
                    await on_end_of_speech()
            return SttOutcome(text, eos, clock())
        finally:
            for task in (reader, sender):
                task.cancel()
            await asyncio.gather(reader, sender, return_exceptions=True)
    except TimeoutError as err:
        raise PipelineError("stt", f"no transcript within {options.stt_timeout:.0f} s") from err
    except ServiceUnavailableError as err:
        raise PipelineError("stt", str(err)) from err
    finally:
        await conn.close()
