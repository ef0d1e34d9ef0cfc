"""The standalone pipeline: audio → STT → agent → TTS over Wyoming, streamed end to end.

Reusable outside the satellite (the browser gateway, `wyoming-voice pipeline`, the bench):

    pipeline = VoicePipeline(PipelineEndpoints(stt, agent, tts), PipelineOptions(language="en"))
    result = await pipeline.run(chunks, listener)   # chunks: async iterator of 16 kHz PCM

The agent's `handled-chunk` text goes into the TTS as `synthesize-chunk`s while it is written,
so the first sentence is heard before the agent has finished.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass

from wyoming_common.audio import AudioFormat

from .agent_client import AgentText, converse
from .conversation import ConversationTracker, expects_answer
from .errors import PipelineError
from .service_check import ServiceChecks
from .speech_feed import SpeechFeed
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


@dataclass
class _AgentRun:
    """What the agent said in one turn, and when."""

    final: AgentText
    reply: str
    first_text_at: float
    done_at: float
    streamed: bool


class VoicePipeline:
    """Runs one voice turn at a time against three Wyoming services.

    Keeps the conversation id for follow-ups (5 minutes), checks once per URI with `describe`
    that each service is what its stage needs, and remembers whether the TTS streams (asked
    again after a failure); pipelines built per request share one `checks`.
    """

    def __init__(
        self,
        endpoints: PipelineEndpoints,
        options: PipelineOptions | None = None,
        *,
        conversations: ConversationTracker | None = None,
        clock: Callable[[], float] = time.monotonic,
        checks: ServiceChecks | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.options = options or PipelineOptions()
        self.conversations = conversations or ConversationTracker()
        self._clock = clock
        self.checks = checks or ServiceChecks()

    async def _check(self, stage: str, uri: str) -> None:
        await self.checks.check(stage, uri, self.options.connect_timeout)

    def _forget(self, err: PipelineError) -> None:
        self.checks.forget(err.stage)

    async def tts_supports_streaming(self) -> bool:
        """Whether the TTS advertises `supports_synthesize_streaming` (cached per URI)."""
        return await self.checks.tts_streaming(self.endpoints.tts_uri, self.options.connect_timeout)

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
        options = self.options
        try:
            await self._check("stt", self.endpoints.stt_uri)
            stt = await transcribe_stream(
                self.endpoints.stt_uri,
                audio,
                language=options.language,
                connect_timeout=options.connect_timeout,
                timeout=options.stt_timeout,
                end_of_speech=end_of_speech,
                on_end_of_speech=listener.on_end_of_speech,
                clock=self._clock,
            )
        except PipelineError as err:
            self._forget(err)
            raise
        _LOGGER.debug("Transcript: %s", stt.text)
        await listener.on_transcript(stt.text)
        if not stt.text.strip():
            timings = PipelineTimings(stt=stt.transcript_at - stt.end_of_speech_at)
            return PipelineResult("", "", None, False, None, 0.0, timings, False, False)
        return await self.respond(
            stt.text,
            listener,
            end_of_speech_at=stt.end_of_speech_at,
            transcript_at=stt.transcript_at,
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
        try:
            agent = await self._ask_agent(text, listener, speech)
            await speech.finish(agent.reply)
        except PipelineError as err:
            self._forget(err)
            raise
        finally:
            await speech.close()
        if speech.error is not None:
            self._forget(speech.error)
            raise speech.error
        synthesis = speech.synthesis
        first_audio_at = synthesis.first_audio_at if synthesis else None
        timings = PipelineTimings(
            stt=_seconds(end_of_speech_at, transcript_at),
            agent_first=_seconds(transcript_at, agent.first_text_at),
            agent=_seconds(transcript_at, agent.done_at),
            tts_first=_seconds(agent.first_text_at, first_audio_at),
            first_audio=_seconds(end_of_speech_at, first_audio_at),
            total=_seconds(end_of_speech_at, synthesis.last_audio_at if synthesis else None),
        )
        return PipelineResult(
            transcript=text,
            reply=agent.reply,
            conversation_id=agent.final.conversation_id or self.conversations.current(),
            handled=agent.final.handled,
            audio_format=synthesis.audio_format if synthesis else None,
            audio_seconds=synthesis.audio_seconds if synthesis else 0.0,
            timings=timings,
            agent_streamed=agent.streamed,
            tts_streamed=bool(synthesis and synthesis.streaming),
            expects_answer=expects_answer(agent.reply, agent.final.continue_conversation),
        )

    async def _ask_agent(
        self, text: str, listener: PipelineListener, speech: SpeechFeed
    ) -> _AgentRun:
        options = self.options
        await self._check("agent", self.endpoints.agent_uri)
        parts: list[str] = []
        first_text_at: float | None = None
        async for piece in converse(
            self.endpoints.agent_uri,
            text,
            language=options.language,
            context=options.context,
            conversation_id=self.conversations.current(),
            connect_timeout=options.connect_timeout,
            timeout=options.agent_timeout,
        ):
            if piece.final:
                done_at = self._clock()
                reply = piece.text or "".join(parts)
                self.conversations.turn_done(piece.conversation_id)
                _LOGGER.debug("Reply: %s", reply)
                await listener.on_reply(reply)
                return _AgentRun(piece, reply, first_text_at or done_at, done_at, bool(parts))
            first_text_at = first_text_at or self._clock()
            parts.append(piece.text)
            await listener.on_reply_chunk(piece.text)
            await speech.add(piece.text)
        raise PipelineError("agent", "the answer ended without a final event")

    def _synthesis(self, streaming: bool, listener: PipelineListener) -> TtsSynthesis:
        options = self.options
        return TtsSynthesis(
            self.endpoints.tts_uri,
            streaming=streaming,
            on_audio=_audio_forwarder(listener),
            voice=options.voice,
            speaker=options.speaker,
            connect_timeout=options.connect_timeout,
            timeout=options.tts_timeout,
            clock=self._clock,
        )

    async def _speech_feed(self, listener: PipelineListener) -> SpeechFeed:
        try:
            streaming = await self.tts_supports_streaming()
        except PipelineError as err:
            return SpeechFeed(None, listener, err)
        return SpeechFeed(self._synthesis(streaming, listener), listener)

    async def speak(self, text: str, listener: PipelineListener) -> None:
        """TTS only (spoken errors, announcements)."""
        synthesis = self._synthesis(await self.tts_supports_streaming(), listener)
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
