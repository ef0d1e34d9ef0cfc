"""The one Wyoming STT client: stream audio in (live or from a file), get the transcript.

    transcribe → audio-start → audio-chunk* (as they come) → audio-stop → transcript

Used by the streaming pipeline (live microphone audio, ended by the caller's VAD) and by
`wyoming-voice transcribe` / `bench stt` (a whole file in fixed-size chunks, timed). A
transcript that arrives before the audio ended (server-side endpointing) ends the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from wyoming.asr import Transcribe, Transcript, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error

from wyoming_common.audio import STT_FORMAT, AudioFormat
from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .errors import ServiceError
from .service_check import check_service

STAGE = "stt"


@dataclass(frozen=True)
class TranscriptionResult:
    """What came back, and when (monotonic seconds)."""

    text: str
    language: str | None = None
    chunks: tuple[str, ...] = field(default=())
    audio_seconds: float = 0.0
    started_at: float = 0.0
    end_of_speech_at: float = 0.0
    """When the audio ended: audio-stop sent, or an early transcript arrived."""
    transcript_at: float = 0.0
    first_chunk_at: float | None = None

    @property
    def seconds_after_stop(self) -> float:
        """From the end of the audio to the transcript (the latency users feel)."""
        return max(0.0, self.transcript_at - self.end_of_speech_at)

    @property
    def first_chunk_after_stop(self) -> float | None:
        """From the end of the audio to the first transcript-chunk (streaming services)."""
        if self.first_chunk_at is None:
            return None
        return max(0.0, self.first_chunk_at - self.end_of_speech_at)

    @property
    def total_seconds(self) -> float:
        """From connecting to the transcript."""
        return max(0.0, self.transcript_at - self.started_at)

    @property
    def real_time_factor(self) -> float:
        """Processing seconds per second of audio (after audio-stop)."""
        return self.seconds_after_stop / self.audio_seconds if self.audio_seconds else 0.0


def chunk_size(fmt: AudioFormat, chunk_ms: float) -> int:
    """Bytes per chunk of chunk_ms (320 for 10 ms of 16 kHz 16-bit mono)."""
    frames = max(1, round(fmt.rate * chunk_ms / 1000.0))
    return frames * fmt.bytes_per_frame


async def _pieces(pcm: bytes, size: int) -> AsyncIterator[bytes]:
    for offset in range(0, len(pcm), size):
        yield pcm[offset : offset + size]


class _Reader:
    """Reads transcript-chunks and the transcript while audio is still being sent."""

    def __init__(self, conn: WyomingConnection, clock: Callable[[], float]) -> None:
        self.conn = conn
        self.clock = clock
        self.chunks: list[str] = []
        self.first_chunk_at: float | None = None

    async def transcript(self) -> Transcript:
        while True:
            # No read timeout while the user may still speak; the caller bounds the wait after.
            event = await self.conn.read(timeout=3600.0)
            if event is None:
                raise ServiceError(
                    STAGE, f"{self.conn.uri} closed the connection before a transcript"
                )
            if Transcript.is_type(event.type):
                return Transcript.from_event(event)
            if TranscriptChunk.is_type(event.type):
                self.first_chunk_at = self.first_chunk_at or self.clock()
                self.chunks.append(TranscriptChunk.from_event(event).text)
            elif Error.is_type(event.type):
                error = Error.from_event(event)
                raise ServiceError(STAGE, f"{error.text} ({error.code})")


class _Sender:
    """Forwards chunks until the input ends or end_of_speech is set, counting what it sent."""

    def __init__(self, conn: WyomingConnection, fmt: AudioFormat, timestamps: bool) -> None:
        self.conn = conn
        self.fmt = fmt
        self.timestamps = timestamps
        self.sent = 0

    async def send(self, audio: AsyncIterable[bytes], end_of_speech: asyncio.Event | None) -> None:
        fmt = self.fmt
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
                        return
                try:
                    data = await next_chunk
                except StopAsyncIteration:
                    return
                timestamp = int(fmt.seconds(self.sent) * 1000) if self.timestamps else None
                chunk = AudioChunk(
                    rate=fmt.rate,
                    width=fmt.width,
                    channels=fmt.channels,
                    audio=data,
                    timestamp=timestamp,
                )
                await self.conn.write(chunk.event())
                self.sent += len(data)
        finally:
            if eos_wait is not None:
                eos_wait.cancel()


async def transcribe_stream(
    uri: str,
    audio: AsyncIterable[bytes],
    *,
    fmt: AudioFormat = STT_FORMAT,
    language: str | None = None,
    names: tuple[str, ...] = (),
    connect_timeout: float = 5.0,
    timeout: float = 30.0,
    end_of_speech: asyncio.Event | None = None,
    on_end_of_speech: Callable[[], Awaitable[None]] | None = None,
    timestamps: bool = True,
    check: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> TranscriptionResult:
    """One request: audio is sent as it comes; `timeout` bounds the wait after its end.

    `check` first asks `describe` whether uri is an STT service at all. Raises ServiceError.
    """
    if check:
        await check_service(STAGE, uri, connect_timeout)
    started = clock()
    conn = WyomingConnection(uri, connect_timeout=connect_timeout, read_timeout=timeout)
    try:
        await conn.connect()
        await conn.write(
            Transcribe(language=language, transcript_names=list(names) or None).event()
        )
        await conn.write(AudioStart(rate=fmt.rate, width=fmt.width, channels=fmt.channels).event())
        reader, sender = _Reader(conn, clock), _Sender(conn, fmt, timestamps)
        transcript, eos = await _exchange(
            reader,
            sender,
            audio,
            end_of_speech=end_of_speech,
            on_end_of_speech=on_end_of_speech,
            timeout=timeout,
            clock=clock,
        )
        return _result(
            transcript,
            reader,
            fmt.seconds(sender.sent),
            started=started,
            end_of_speech=eos,
            now=clock(),
        )
    except TimeoutError as err:
        raise ServiceError(STAGE, f"no transcript within {timeout:.0f} s") from err
    except ServiceError:
        raise
    except ServiceUnavailableError as err:
        raise ServiceError(STAGE, str(err)) from err
    finally:
        await conn.close()


async def _exchange(
    reader: _Reader,
    sender: _Sender,
    audio: AsyncIterable[bytes],
    *,
    end_of_speech: asyncio.Event | None,
    on_end_of_speech: Callable[[], Awaitable[None]] | None,
    timeout: float,
    clock: Callable[[], float],
) -> tuple[Transcript, float]:
    """Send the audio while reading; once it has ended (or a transcript came early), wait
    `timeout` for the transcript. Returns it and the time the speech ended."""
    reading = asyncio.create_task(reader.transcript())
    sending = asyncio.create_task(sender.send(audio, end_of_speech))
    try:
        await asyncio.wait({reading, sending}, return_when=asyncio.FIRST_COMPLETED)
        if sending.done():
            sending.result()
            await sender.conn.write(AudioStop().event())
        eos = clock()
        if on_end_of_speech is not None:
            await on_end_of_speech()
        async with asyncio.timeout(timeout):
            return await reading, eos
    finally:
        for task in (reading, sending):
            task.cancel()
        await asyncio.gather(reading, sending, return_exceptions=True)


def _result(
    transcript: Transcript,
    reader: _Reader,
    audio_seconds: float,
    *,
    started: float,
    end_of_speech: float,
    now: float,
) -> TranscriptionResult:
    return TranscriptionResult(
        text=transcript.text or "",
        language=transcript.language,
        chunks=tuple(reader.chunks),
        audio_seconds=audio_seconds,
        started_at=started,
        end_of_speech_at=end_of_speech,
        transcript_at=now,
        first_chunk_at=reader.first_chunk_at,
    )


async def transcribe_audio(
    uri: str,
    pcm: bytes,
    fmt: AudioFormat,
    *,
    language: str | None = None,
    chunk_ms: float = 10.0,
    names: tuple[str, ...] = (),
    timeout: float = 60.0,
    check: bool = True,
) -> TranscriptionResult:
    """A whole recording in chunk_ms chunks with null timestamps, as Home Assistant sends it."""
    return await transcribe_stream(
        uri,
        _pieces(pcm, chunk_size(fmt, chunk_ms)),
        fmt=fmt,
        language=language,
        names=names,
        timeout=timeout,
        timestamps=False,
        check=check,
    )
