"""The standalone pipeline: audio → STT → agent → TTS over Wyoming, streamed end to end.

Reusable outside the satellite (the browser gateway, `wyoming-voice pipeline`, the bench):

    pipeline = VoicePipeline(PipelineEndpoints(stt, agent, tts), PipelineOptions(language="en"))
    result = await pipeline.run(chunks, listener)   # chunks: async iterator of 16 kHz PCM

The agent's `handled-chunk` text goes into the TTS as `synthesize-chunk`s while it is written,
so the first sentence is heard before the agent has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable

from wyoming_common.audio import AudioFormat
from wyoming_common.client import ServiceUnavailableError, describe

from .agent_client import converse
from .conversation import ConversationTracker
from .errors import PipelineError
from .stt_client import transcribe_stream
from .tts_client import TtsSynthesis
from .types import (
    PipelineEndpoints,
    PipelineListener,
    PipelineOptions,
    PipelineResult,
    PipelineTimings,
)

_LOGGER = logging.getLogger(__name__)


def _seconds(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, end - start)


class VoicePipeline:
    """Runs one voice turn at a time against three Wyoming services.

    Keeps the conversation id for follow-ups (5 minutes) and remembers whether the TTS
    service streams (asked once with `describe`, asked again after a failure).
    """

    def __init__(
        self,
        endpoints: PipelineEndpoints,
        options: PipelineOptions | None = None,
        *,
        conversations: ConversationTracker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = endpoints
        self.options = options or PipelineOptions()
        self.conversations = conversations or ConversationTracker()
        self._clock = clock
        self._tts_streaming: dict[str, bool] = {}

    async def tts_supports_streaming(self) -> bool:
        """Whether the TTS advertises `supports_synthesize_streaming` (cached per URI)."""
        uri = self.endpoints.tts_uri
        if uri not in self._tts_streaming:
            try:
                info = await describe(uri, timeout=self.options.connect_timeout)
            except ServiceUnavailableError as err:
                raise PipelineError("tts", str(err)) from err
            streaming = bool(info.tts and info.tts[0].supports_synthesize_streaming)
            self._tts_streaming[uri] = streaming
            _LOGGER.debug("TTS %s streaming: %s", uri, streaming)
        return self._tts_streaming[uri]

    async def run(
        self,
        audio: AsyncIterable[bytes],
        listener: PipelineListener | None = None,
        *,
        end_of_speech: asyncio.Event | None = None,
    ) -> PipelineResult:
        """One turn: stream audio (16 kHz mono 16-bit) until it ends or end_of_speech is set,
        then transcribe, answer and synthesize. Raises PipelineError naming the stage."""
        listener = listener or PipelineListener()
        stt = await transcribe_stream(
            self.endpoints.stt_uri,
            audio,
            self.options,
            end_of_speech=end_of_speech,
            on_end_of_speech=listener.on_end_of_speech,
            clock=self._clock,
        )
        _LOGGER.debug("Transcript: %s", stt.text)
        await listener.on_transcript(stt.text)
        if not stt.text.strip():
            timings = PipelineTimings(stt=stt.transcript_at - stt.end_of_speech)
            return PipelineResult("", "", None, False, None, 0.0, timings, False, False)
        return await self.respond(
            stt.text, listener, end_of_speech_at=stt.end_of_speech, transcript_at=stt.transcript_at
        )

    async def respond(
        self,
        text: str,
        listener: PipelineListener | None = None,
        *,
        end_of_speech_at: float | None = None,
        transcript_at: float | None = None,
    ) -> PipelineResult:
        """Agent and TTS for a text (typed input, or a transcript from `run`).

        A TTS failure never stops the agent (the light still goes on); it is raised once the
        agent has answered.
        """
        listener = listener or PipelineListener()
        transcript_at = transcript_at if transcript_at is not None else self._clock()
        speech = await self._speech_feed(listener)
        parts: list[str] = []
        first_text_at: float | None = None
        agent_streamed = False
        try:
            final = None
            async for piece in converse(
                self.endpoints.agent_uri, text, self.options, self.conversations.current()
            ):
                if piece.final:
                    final = piece
                    break
                agent_streamed = True
                first_text_at = first_text_at or self._clock()
                parts.append(piece.text)
                await listener.on_reply_chunk(piece.text)
                await speech.add(piece.text)
            if final is None:
                raise PipelineError("agent", "the answer ended without a final event")
            agent_done_at = self._clock()
            first_text_at = first_text_at or agent_done_at
            reply = final.text or "".join(parts)
            self.conversations.turn_done(final.conversation_id)
            _LOGGER.debug("Reply: %s", reply)
            await listener.on_reply(reply)
            await speech.finish(reply)
        finally:
            await speech.close()
        if speech.error is not None:
            self._tts_streaming.pop(self.endpoints.tts_uri, None)  # ask again next time
            raise speech.error
        synthesis = speech.synthesis
        first_audio_at = synthesis.first_audio_at if synthesis else None
        timings = PipelineTimings(
            stt=_seconds(end_of_speech_at, transcript_at),
            agent_first=_seconds(transcript_at, first_text_at),
            agent=_seconds(transcript_at, agent_done_at),
            tts_first=_seconds(first_text_at, first_audio_at),
            first_audio=_seconds(end_of_speech_at, first_audio_at),
            total=_seconds(end_of_speech_at, synthesis.last_audio_at if synthesis else None),
        )
        return PipelineResult(
            transcript=text,
            reply=reply,
            conversation_id=final.conversation_id or self.conversations.current(),
            handled=final.handled,
            audio_format=synthesis.audio_format if synthesis else None,
            audio_seconds=synthesis.audio_seconds if synthesis else 0.0,
            timings=timings,
            agent_streamed=agent_streamed,
            tts_streamed=bool(synthesis and synthesis.streaming),
        )

    async def _speech_feed(self, listener: PipelineListener) -> _SpeechFeed:
        try:
            streaming = await self.tts_supports_streaming()
        except PipelineError as err:
            return _SpeechFeed(None, listener, err)
        synthesis = TtsSynthesis(
            self.endpoints.tts_uri,
            self.options,
            streaming=streaming,
            on_audio=_audio_forwarder(listener),
            clock=self._clock,
        )
        return _SpeechFeed(synthesis, listener)

    async def speak(self, text: str, listener: PipelineListener) -> None:
        """TTS only (spoken errors, announcements)."""
        streaming = await self.tts_supports_streaming()
        synthesis = TtsSynthesis(
            self.endpoints.tts_uri,
            self.options,
            streaming=streaming,
            on_audio=_audio_forwarder(listener),
            clock=self._clock,
        )
        try:
            await synthesis.open()
            await synthesis.finish(text)
            if synthesis.first_audio_at is not None:
                await listener.on_audio_stop()
        finally:
            await synthesis.close()


def _audio_forwarder(listener: PipelineListener) -> Callable[[bytes, AudioFormat], Awaitable[None]]:
    started = False

    async def forward(audio: bytes, fmt: AudioFormat) -> None:
        nonlocal started
        if not started:
            started = True
            await listener.on_audio_start(fmt)
        await listener.on_audio(audio, fmt)

    return forward


class _SpeechFeed:
    """The TTS side of one reply: connects while the agent thinks, streams text as it comes,
    and keeps a failure in `error` instead of interrupting the agent."""

    def __init__(
        self,
        synthesis: TtsSynthesis | None,
        listener: PipelineListener,
        error: PipelineError | None = None,
    ) -> None:
        self.synthesis = synthesis
        self.listener = listener
        self.error = error
        self._opening = asyncio.create_task(synthesis.open()) if synthesis else None

    async def add(self, text: str) -> None:
        """Stream a piece of the reply (streaming TTS only)."""
        if self.error is None and self.synthesis is not None and self.synthesis.streaming:
            try:
                assert self._opening is not None
                await self._opening
                await self.synthesis.add_text(text)
            except PipelineError as err:
                self.error = err

    async def finish(self, reply: str) -> None:
        """Send the end of the text and wait for the last audio."""
        if self.error is not None or self.synthesis is None:
            return
        try:
            assert self._opening is not None
            await self._opening
            if reply.strip():
                await self.synthesis.finish(reply)
        except PipelineError as err:
            self.error = err
        if self.synthesis.first_audio_at is not None:
            await self.listener.on_audio_stop()

    async def close(self) -> None:
        """Cancel what is still pending and close the connection."""
        if self._opening is not None:
            if not self._opening.done():
                self._opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, PipelineError):
                await self._opening
        if self.synthesis is not None:
            await self.synthesis.close()
