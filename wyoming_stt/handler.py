"""One client connection of the STT service: transcribe → audio-start → chunks → audio-stop.

Every request ends with exactly one `transcript` (empty text for empty audio), or with
`error` and the connection closed. Transcription runs as a background task in the
ModelWorker, so `describe`/`ping` on the same connection are answered meanwhile and a client
that disconnects cancels its transcription.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from wyoming_common.audio import AudioFormat, to_float_mono
from wyoming_common.errors import BadRequestError
from wyoming_common.handler import InfoSource, ServiceEventHandler
from wyoming_common.info import wyoming_language
from wyoming_common.metrics import Metrics
from wyoming_common.wire import DEFAULT_LIMITS, WireLimits
from wyoming_common.worker import CancelToken, ModelWorker

from .audio_buffer import AudioBuffer
from .biasing import unique
from .engine import (
    SAMPLE_RATE,
    Transcriber,
    TranscriptionRequest,
    TranscriptSegment,
    join_segments,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_SECONDS = 30.0
# Generous engine time limit: a slow CPU engine may need a few times real time.
TIMEOUT_BASE_SECONDS = 30.0
TIMEOUT_PER_AUDIO_SECOND = 5.0


@dataclass(frozen=True)
class TranscriptionJob:
    """Everything one transcription needs, detached from the connection's state."""

    pcm: bytes
    format: AudioFormat
    language: str | None = None
    names: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    stream_chunks: bool = False
    """Send transcript-start/chunk/stop (the client sent `transcribe`, the engine streams)."""

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return self.format.seconds(len(self.pcm))


def run_transcription(
    transcriber: Transcriber, job: TranscriptionJob, token: CancelToken
) -> Iterator[TranscriptSegment]:
    """Convert the audio for the engine and transcribe it (runs in the worker thread)."""
    audio = to_float_mono(job.pcm, job.format, SAMPLE_RATE)
    request = TranscriptionRequest(
        audio=audio, language=job.language, names=job.names, terms=job.terms
    )
    yield from transcriber.transcribe(request, token)


class SttEventHandler(ServiceEventHandler):
    """Speech-to-text requests on one connection."""

    service = "stt"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        transcriber: Transcriber,
        worker: ModelWorker,
        info: InfoSource,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        metrics: Metrics | None = None,
        limits: WireLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(reader, writer, info=info, metrics=metrics, limits=limits)
        self._transcriber = transcriber
        self._worker = worker
        self._max_seconds = max_seconds
        self._options: Transcribe | None = None
        self._buffer: AudioBuffer | None = None
        self._draining = False  # cap reached: transcript under way, rest of the stream ignored
        self._order = asyncio.Lock()  # transcripts leave in the order the requests came

    async def handle_request(self, event: Event) -> bool:
        """Drive the request state machine; protocol violations raise BadRequestError."""
        if Transcribe.is_type(event.type):
            if self._buffer is not None:
                raise BadRequestError("transcribe in the middle of an audio stream")
            self._options = _parse(Transcribe, event)
            self._draining = False
            self._begin()
        elif AudioStart.is_type(event.type):
            self._on_audio_start(_parse(AudioStart, event))
        elif AudioChunk.is_type(event.type):
            self._on_audio_chunk(_parse(AudioChunk, event))
        elif AudioStop.is_type(event.type):
            self._on_audio_stop()
        else:
            _LOGGER.debug("stt: ignoring %s from %s", event.type, self.peer)
        return True

    def _begin(self) -> None:
        if not self.in_request:
            self.begin_request("transcribe")

    def _on_audio_start(self, start: AudioStart) -> None:
        if self._buffer is not None:
            raise BadRequestError("audio-start in the middle of an audio stream")
        fmt = AudioFormat(start.rate, start.width, start.channels).validate()
        self._buffer = AudioBuffer(fmt, self._max_seconds)
        self._draining = False
        self._begin()

    def _on_audio_chunk(self, chunk: AudioChunk) -> None:
        if self._draining:
            return
        if self._buffer is None:
            raise BadRequestError("audio-chunk before audio-start")
        fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels)
        if fmt != self._buffer.format:
            raise BadRequestError(
                f"audio-chunk format {fmt} differs from audio-start {self._buffer.format}"
            )
        if not self._buffer.append(chunk.audio or b""):
            _LOGGER.info(
                "stt: audio from %s is longer than --max-seconds %.0f s; transcribing the "
                "first %.0f s now and ignoring the rest of the stream",
                self.peer,
                self._max_seconds,
                self._buffer.seconds,
            )
            self._submit()
            self._draining = True

    def _on_audio_stop(self) -> None:
        if self._draining:
            self._draining = False
            return
        if self._buffer is None and self._options is None:
            raise BadRequestError("audio-stop without audio-start")
        self._submit()

    def _submit(self) -> None:
        """Hand the buffered request to a background transcription; reset for the next."""
        options, buffer = self._options, self._buffer
        self._options, self._buffer = None, None
        fmt = buffer.format if buffer is not None else AudioFormat(SAMPLE_RATE, 2, 1)
        job = TranscriptionJob(
            pcm=buffer.pcm() if buffer is not None else b"",
            format=fmt,
            language=wyoming_language(options.language) if options and options.language else None,
            names=unique(options.transcript_names or ()) if options else (),
            terms=unique(options.transcript_terms or ()) if options else (),
            stream_chunks=options is not None and self._transcriber.streams_partial_text,
        )
        self.start_task(self._transcribe(job), "transcribe")

    async def _transcribe(self, job: TranscriptionJob) -> None:
        async with self._order:
            started = time.monotonic()
            segments: list[TranscriptSegment] = []
            language = job.language
            streaming = False
            if job.pcm:
                timeout = TIMEOUT_BASE_SECONDS + TIMEOUT_PER_AUDIO_SECOND * job.seconds
                async for segment in self._worker.stream(
                    run_transcription, self._transcriber, job, timeout=timeout
                ):
                    language = segment.language or language
                    piece = segment.text.strip()
                    if not piece:
                        continue
                    if job.stream_chunks:
                        if not streaming:
                            await self.write_event(TranscriptStart(language=language).event())
                        text = piece if not streaming else f" {piece}"
                        await self.write_event(TranscriptChunk(text=text).event())
                        streaming = True
                    segments.append(segment)
            if streaming:
                await self.write_event(TranscriptStop().event())
            text = join_segments(segments)
            language = language or self._transcriber.card.default_language
            await self.write_event(Transcript(text=text, language=language).event())
            self.end_request()
            _LOGGER.debug(
                "stt: %.2f s of audio from %s → %r (%s) in %.3f s",
                job.seconds,
                self.peer,
                text,
                language,
                time.monotonic() - started,
            )

    async def on_disconnect(self) -> None:
        """Log what the client left behind; an abandoned request counts as failed."""
        if self._buffer is not None:
            _LOGGER.info(
                "stt: %s disconnected in the middle of an audio stream (%.1f s dropped)",
                self.peer,
                self._buffer.seconds,
            )
            self._buffer = None
        elif self.in_request:
            _LOGGER.info("stt: %s disconnected before its transcript; cancelled", self.peer)
        if self.in_request:
            self.end_request(ok=False)


def _parse(event_class: Any, event: Event) -> Any:
    """event_class.from_event, with missing or mistyped fields as a bad request."""
    try:
        return event_class.from_event(event)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise BadRequestError(f"malformed {event.type} event: {err!r}") from err
