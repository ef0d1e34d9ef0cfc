"""One client connection of the STT service: transcribe → audio-start → chunks → audio-stop.

Every request ends with exactly one `transcript` (empty text for empty audio), or with
`error` (`busy` when too many requests wait, `bad-request` for a malformed event) and the
connection closed. Requests of all connections wait in one BatchQueue in front of the engine,
so `describe`/`ping` are answered meanwhile and a client that disconnects leaves the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from wyoming_common.audio import AudioFormat, to_float_mono
from wyoming_common.errors import BadRequestError
from wyoming_common.handler import InfoSource, ServiceEventHandler
from wyoming_common.info import wyoming_language
from wyoming_common.metrics import Metrics
from wyoming_common.wire import DEFAULT_LIMITS, WireLimits

from .audio_buffer import AudioBuffer
from .batching import BatchQueue
from .biasing import unique
from .engines import SAMPLE_RATE, Transcriber, TranscriptionRequest, join_segments
from .requests import audio_format, chunk_audio, transcribe_options
from .settings import DEFAULT_MAX_SECONDS

_LOGGER = logging.getLogger(__name__)


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

    def request(self) -> TranscriptionRequest:
        """The engine's request: float mono audio at 16 kHz. Blocking (resampling)."""
        audio = to_float_mono(self.pcm, self.format, SAMPLE_RATE)
        return TranscriptionRequest(
            audio=audio, language=self.language, names=self.names, terms=self.terms
        )


@dataclass(frozen=True)
class _Options:
    language: str | None
    names: tuple[str, ...]
    terms: tuple[str, ...]


class SttEventHandler(ServiceEventHandler):
    """Speech-to-text requests on one connection."""

    service = "stt"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        transcriber: Transcriber,
        queue: BatchQueue,
        info: InfoSource,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        metrics: Metrics | None = None,
        limits: WireLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(reader, writer, info=info, metrics=metrics, limits=limits)
        self._transcriber = transcriber
        self._queue = queue
        self._max_seconds = max_seconds
        self._options: _Options | None = None
        self._buffer: AudioBuffer | None = None
        self._draining = False  # cap reached: transcript under way, rest of the stream ignored
        self._order = asyncio.Lock()  # transcripts leave in the order the requests came

    async def handle_request(self, event: Event) -> bool:
        """Drive the request state machine; malformed events raise BadRequestError."""
        if Transcribe.is_type(event.type):
            if self._buffer is not None:
                raise BadRequestError("transcribe in the middle of an audio stream")
            language, names, terms = transcribe_options(event)
            self._options = _Options(language, names, terms)
            self._draining = False
            self._begin()
        elif AudioStart.is_type(event.type):
            self._on_audio_start(audio_format(event))
        elif AudioChunk.is_type(event.type):
            self._on_audio_chunk(event)
        elif AudioStop.is_type(event.type):
            self._on_audio_stop()
        else:
            _LOGGER.debug("stt: ignoring %s from %s", event.type, self.peer)
        return True

    def _begin(self) -> None:
        if not self.in_request:
            self.begin_request("transcribe")

    def _on_audio_start(self, fmt: AudioFormat) -> None:
        if self._buffer is not None:
            raise BadRequestError("audio-start in the middle of an audio stream")
        # The most a request may hold: --max-seconds in the format the client announced.
        self._buffer = AudioBuffer(fmt, self._max_seconds)
        self._draining = False
        self._begin()

    def _on_audio_chunk(self, event: Event) -> None:
        if self._draining:
            return
        if self._buffer is None:
            raise BadRequestError("audio-chunk before audio-start")
        fmt = audio_format(event)
        if fmt != self._buffer.format:
            raise BadRequestError(
                f"audio-chunk format {fmt} differs from audio-start {self._buffer.format}"
            )
        if not self._buffer.append(chunk_audio(event)):
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
        language = options.language if options else None
        job = TranscriptionJob(
            pcm=buffer.pcm() if buffer is not None else b"",
            format=fmt,
            language=wyoming_language(language) if language else None,
            names=unique(options.names) if options else (),
            terms=unique(options.terms) if options else (),
            stream_chunks=options is not None and self._transcriber.streams_partial_text,
        )
        self.start_task(self._transcribe(job), "transcribe")

    async def _transcribe(self, job: TranscriptionJob) -> None:
        async with self._order:
            started = time.monotonic()
            segments = []
            if job.pcm:
                request = await asyncio.to_thread(job.request)
                segments = await self._queue.transcribe(request)
            language = next((s.language for s in segments if s.language), job.language)
            text = join_segments(segments)
            pieces = [s.text.strip() for s in segments if s.text.strip()]
            if job.stream_chunks and pieces:
                await self.write_event(TranscriptStart(language=language).event())
                for index, piece in enumerate(pieces):
                    chunk = piece if index == 0 else f" {piece}"
                    await self.write_event(TranscriptChunk(text=chunk).event())
                await self.write_event(TranscriptStop().event())
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
