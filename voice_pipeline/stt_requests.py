"""Client side of an STT request, streamed the way Home Assistant streams it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from wyoming.asr import Transcribe, Transcript, TranscriptChunk
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error

from wyoming_common.audio import AudioFormat
from wyoming_common.client import ServiceUnavailableError, WyomingConnection
from wyoming_common.errors import WyomingVoiceError


class TranscriptionFailedError(WyomingVoiceError):
    """The service answered with an `error` event."""

    code = "transcription-failed"


@dataclass(frozen=True)
class TranscriptionResult:
    """What came back, and when."""

    text: str
    language: str | None
    chunks: tuple[str, ...] = field(default=())
    audio_seconds: float = 0.0
    seconds_after_stop: float = 0.0
    """From sending audio-stop to receiving the transcript (the latency users feel)."""
    first_chunk_after_stop: float | None = None
    total_seconds: float = 0.0

    @property
    def real_time_factor(self) -> float:
        """Processing seconds per second of audio (after audio-stop)."""
        return self.seconds_after_stop / self.audio_seconds if self.audio_seconds else 0.0


def chunk_size(fmt: AudioFormat, chunk_ms: float) -> int:
    """Bytes per chunk of chunk_ms (320 for 10 ms of 16 kHz 16-bit mono)."""
    frames = max(1, round(fmt.rate * chunk_ms / 1000.0))
    return frames * fmt.bytes_per_frame


async def transcribe_audio(
    uri: str,
    pcm: bytes,
    fmt: AudioFormat,
    *,
    language: str | None = None,
    chunk_ms: float = 10.0,
    names: tuple[str, ...] = (),
    timeout: float = 60.0,
) -> TranscriptionResult:
    """transcribe, audio-start, chunk_ms chunks (timestamp null), audio-stop → transcript."""
    started = time.monotonic()
    size = chunk_size(fmt, chunk_ms)
    async with WyomingConnection(uri, read_timeout=timeout) as conn:
        await conn.write(
            Transcribe(language=language, transcript_names=list(names) or None).event()
        )
        await conn.write(AudioStart(rate=fmt.rate, width=fmt.width, channels=fmt.channels).event())
        for offset in range(0, len(pcm), size):
            chunk = AudioChunk(
                rate=fmt.rate,
                width=fmt.width,
                channels=fmt.channels,
                audio=pcm[offset : offset + size],
            )
            await conn.write(chunk.event())
        await conn.write(AudioStop().event())
        stopped = time.monotonic()
        chunks: list[str] = []
        first_chunk: float | None = None
        while True:
            event = await conn.read()
            if event is None:
                raise ServiceUnavailableError(f"{uri} closed the connection before a transcript")
            if Error.is_type(event.type):
                error = Error.from_event(event)
                raise TranscriptionFailedError(f"{error.code or 'error'}: {error.text}")
            if TranscriptChunk.is_type(event.type):
                if first_chunk is None:
                    first_chunk = time.monotonic() - stopped
                chunks.append(TranscriptChunk.from_event(event).text)
            elif Transcript.is_type(event.type):
                transcript = Transcript.from_event(event)
                done = time.monotonic()
                return TranscriptionResult(
                    text=transcript.text,
                    language=transcript.language,
                    chunks=tuple(chunks),
                    audio_seconds=fmt.seconds(len(pcm)),
                    seconds_after_stop=done - stopped,
                    first_chunk_after_stop=first_chunk,
                    total_seconds=done - started,
                )
