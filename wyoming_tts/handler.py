"""One TTS client connection: `synthesize`, and streaming `synthesize-start/chunk/stop`.

Non-streaming: one audio-start, the audio as soon as the engine makes it, one audio-stop.
Streaming: one audio-start/chunk*/audio-stop block per sentence, begun as soon as the sentence's
text is complete, then synthesize-stopped. Event fields are checked first (`events`); text is
split and cleaned in a thread. Requests on one connection are answered in
the order they arrived; each runs as a background task so describe/ping stay answered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
)

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import BadRequestError
from wyoming_common.handler import ServiceEventHandler

from .engines import VoiceChoice
from .events import (
    DEFAULT_MAX_TEXT_CHARS,
    read_synthesize,
    read_synthesize_chunk,
    read_synthesize_start,
)
from .sentences import DEFAULT_MAX_CHARS, TextStream
from .synthesizer import SpeechPiece, Synthesizer
from .voice_choice import VoiceRequest

_LOGGER = logging.getLogger(__name__)


class TtsEventHandler(ServiceEventHandler):
    """Speaks text for one client."""

    service = "tts"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        synthesizer: Synthesizer,
        streaming: bool = True,
        samples_per_chunk: int = 1024,
        max_sentence_chars: int = DEFAULT_MAX_CHARS,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        **kwargs: Any,
    ) -> None:
        super().__init__(reader, writer, **kwargs)
        self._synthesizer = synthesizer
        self._streaming = streaming
        self._samples_per_chunk = samples_per_chunk
        self._max_sentence_chars = max_sentence_chars
        self._max_text_chars = max_text_chars
        self._order = asyncio.Lock()  # FIFO: requests are answered in arrival order
        self._stream: TextStream | None = None

    async def handle_request(self, event: Event) -> bool:
        """Dispatch the TTS events (fields checked first); anything else is ignored."""
        if Synthesize.is_type(event.type):
            request = read_synthesize(event, self._max_text_chars)
            if self._stream is not None:
                _LOGGER.debug("Ignoring synthesize inside a stream (compatibility copy)")
                return True
            self.start_task(self._speak_text(request.text, request.voice), "synthesize")
        elif SynthesizeStart.is_type(event.type):
            voice = read_synthesize_start(event)
            if not self._streaming:
                _LOGGER.debug("Streaming is off: waiting for the synthesize event")
                return True
            if self._stream is not None:
                raise BadRequestError("synthesize-start while a stream is already open")
            self._stream = TextStream(
                self._synthesizer.prepare,
                max_sentence_chars=self._max_sentence_chars,
                max_chars=self._max_text_chars,
            )
            self.start_task(self._speak_stream(self._stream, voice), "synthesize stream")
        elif SynthesizeChunk.is_type(event.type):
            text = read_synthesize_chunk(event, self._max_text_chars)
            if self._stream is None:
                if self._streaming:
                    _LOGGER.warning("synthesize-chunk without synthesize-start from %s", self.peer)
                return True
            self._stream.feed(text)
            # Let the stream's task take the text before reading more: a burst of chunks is
            # otherwise read to its end first.
            await asyncio.sleep(0)
        elif SynthesizeStop.is_type(event.type):
            stream, self._stream = self._stream, None
            if stream is None:
                self.start_task(self._stopped(), "synthesize-stop")
            else:
                stream.finish()
        else:
            _LOGGER.debug("Ignoring %s from %s", event.type, self.peer)
        return True

    # -- requests -----------------------------------------------------------------------------

    async def _speak_text(self, text: str, request: VoiceRequest) -> None:
        async with self._order:
            self.begin_request("synthesize")
            started = time.monotonic()
            _LOGGER.debug("synthesize %r (voice %s)", text, request)
            choice = self._synthesizer.choose_voice(request)
            fmt = self._synthesizer.audio_format(choice)
            sentences = await self._synthesizer.prepare_text(text, self._max_sentence_chars)
            sender = _AudioSender(self.write_event, fmt, started, self._samples_per_chunk)
            await self.write_event(AudioStart(fmt.rate, fmt.width, fmt.channels, 0).event())
            async for piece in self._synthesizer.speak(sentences, choice):
                await sender.send(piece.audio)
            await self.write_event(AudioStop(sender.timestamp_ms).event())
            self._finish(choice, sender, len(sentences))

    async def _speak_stream(self, stream: TextStream, request: VoiceRequest) -> None:
        async with self._order:
            self.begin_request("synthesize-stream")
            started = time.monotonic()
            choice = self._synthesizer.choose_voice(request)
            fmt = self._synthesizer.audio_format(choice)
            sender = _AudioSender(self.write_event, fmt, started, self._samples_per_chunk)
            spoken = 0
            while (sentences := await stream.next_batch()) is not None:
                _LOGGER.debug("synthesize-chunk sentences %r", sentences)
                async for piece in self._synthesizer.speak(sentences, choice):
                    await sender.send_block_piece(piece)
                spoken += len(sentences)
            if sender.blocks == 0:
                # An empty block still gives Home Assistant the format for a valid, empty WAV.
                await sender.send_block_piece(SpeechPiece(b"", end_of_sentence=True))
            await self.write_event(SynthesizeStopped().event())
            self._finish(choice, sender, spoken)

    async def _stopped(self) -> None:
        async with self._order:
            await self.write_event(SynthesizeStopped().event())

    def _finish(self, choice: VoiceChoice, sender: _AudioSender, sentences: int) -> None:
        seconds = self.end_request()
        if sender.first_audio is not None:
            self.metrics.observe(
                "tts_first_audio_seconds", sender.first_audio, "Request start to first audio"
            )
        cache = self._synthesizer.cache
        _LOGGER.debug(
            "Spoke %d sentence(s) with %s: %.2f s of audio in %.3f s, first audio after %s s "
            "(cache %d hits, %d misses)",
            sentences,
            choice.voice,
            sender.fmt.seconds(sender.total_bytes),
            seconds,
            "-" if sender.first_audio is None else f"{sender.first_audio:.3f}",
            cache.hits,
            cache.misses,
        )


class _AudioSender:
    """Cuts PCM into audio-chunk events with running timestamps (milliseconds)."""

    def __init__(
        self,
        write: Callable[[Event], Awaitable[None]],
        fmt: AudioFormat,
        started: float,
        samples_per_chunk: int,
    ) -> None:
        self.write = write
        self.fmt = fmt
        self.started = started
        self.chunk_bytes = samples_per_chunk * fmt.bytes_per_frame
        self.total_bytes = 0
        self.blocks = 0
        self.in_block = False
        self.first_audio: float | None = None

    @property
    def timestamp_ms(self) -> int:
        """Milliseconds of audio sent so far."""
        return int(1000 * self.fmt.seconds(self.total_bytes))

    async def send(self, audio: bytes) -> None:
        """audio-chunk events for a piece of audio."""
        fmt = self.fmt
        for start in range(0, len(audio), self.chunk_bytes):
            piece = audio[start : start + self.chunk_bytes]
            chunk = AudioChunk(fmt.rate, fmt.width, fmt.channels, piece, self.timestamp_ms)
            await self.write(chunk.event())
            if self.first_audio is None:
                self.first_audio = time.monotonic() - self.started
            self.total_bytes += len(piece)

    async def send_block_piece(self, piece: SpeechPiece) -> None:
        """Part of one audio-start/chunk*/audio-stop block per sentence."""
        fmt = self.fmt
        if not self.in_block:
            await self.write(
                AudioStart(fmt.rate, fmt.width, fmt.channels, self.timestamp_ms).event()
            )
            self.in_block = True
        await self.send(piece.audio)
        if piece.end_of_sentence:
            await self.write(AudioStop(self.timestamp_ms).event())
            self.in_block = False
            self.blocks += 1
