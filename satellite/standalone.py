"""Standalone mode: the satellite answers by itself (wake → STT → agent → TTS → speaker)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

from voice_pipeline.endpoints import EndpointResolver
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineListener, PipelineResult
from voice_pipeline.vad import CommandEndDetector, EndReason, VadSettings, VoiceActivityDetector
from wyoming_common.audio import AudioFormat
from wyoming_common.worker import ModelWorker

from .devices.capture import AudioBlock
from .devices.player import AudioPlayer, PlaybackStream
from .devices.sounds import FeedbackSounds
from .hooks import EventHooks, SatelliteState

_LOGGER = logging.getLogger(__name__)

_STAGE_NAMES = {"stt": "speech recognition", "agent": "assistant", "tts": "voice"}


class LocalCommandStream:
    """Live command audio for the pipeline; Silero VAD decides when the command is over."""

    def __init__(self, detector: CommandEndDetector, preroll: Sequence[AudioBlock]) -> None:
        self.detector = detector
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        for block in preroll:
            self._queue.put_nowait(block.audio)
        self.reason: EndReason | None = None
        self.ended = asyncio.Event()
        self.failed = False

    async def feed(self, block: AudioBlock) -> bool:
        """Queue the block for STT and ask the VAD whether the command is over."""
        if self.ended.is_set():
            return False
        self._queue.put_nowait(block.audio)
        reason = await self.detector.feed(block.audio)
        if reason is not None:
            self.end(reason)
            return False
        return True

    def end(self, reason: EndReason) -> None:
        """No more audio (end of speech, no speech, too long, or cancelled)."""
        if not self.ended.is_set():
            _LOGGER.debug("End of command: %s", reason.value)
            self.reason = reason
            self.ended.set()
            self._queue.put_nowait(None)

    async def abort(self) -> None:
        """The satellite failed while listening: the turn drops the command and says so."""
        self.failed = True
        self.end(EndReason.NO_SPEECH)

    async def audio(self) -> AsyncIterator[bytes]:
        """The command audio in order, pre-roll first."""
        while (chunk := await self._queue.get()) is not None:
            yield chunk


class _ReplyPlayer(PipelineListener):
    """Pipeline callbacks → hooks and the speaker, sentence by sentence as audio arrives."""

    def __init__(self, player: AudioPlayer, hooks: EventHooks) -> None:
        self.player = player
        self.hooks = hooks
        self.playback: PlaybackStream | None = None

    async def on_end_of_speech(self) -> None:
        self.hooks.emit(SatelliteState.THINKING)

    async def on_audio_start(self, fmt: AudioFormat) -> None:
        self.playback = self.player.open(fmt, "reply")
        self.hooks.emit(
            SatelliteState.SPEAKING, rate=fmt.rate, width=fmt.width, channels=fmt.channels
        )

    async def on_audio(self, audio: bytes, fmt: AudioFormat) -> None:
        if self.playback is not None:
            self.playback.feed(audio)

    async def on_audio_stop(self) -> None:
        if self.playback is not None:
            self.playback.finish()

    async def played(self) -> None:
        """Wait until the reply has been heard (or drop it when the run failed midway)."""
        if self.playback is not None:
            self.playback.finish()
            await self.playback.wait()


class StandaloneAssistant:
    """Runs one VoicePipeline turn per wake word; errors are spoken (or a tone)."""

    def __init__(
        self,
        *,
        resolver: EndpointResolver,
        pipeline: VoicePipeline,
        player: AudioPlayer,
        sounds: FeedbackSounds,
        hooks: EventHooks,
        vad: VoiceActivityDetector,
        vad_settings: VadSettings,
        vad_worker: ModelWorker | None = None,
    ) -> None:
        self.resolver = resolver
        self.pipeline = pipeline
        self.player = player
        self.sounds = sounds
        self.hooks = hooks
        self.vad = vad
        self.vad_settings = vad_settings
        self.vad_worker = vad_worker or ModelWorker("vad", timeout=10.0)
        self._task: asyncio.Task[None] | None = None
        self.last_result: PipelineResult | None = None
        self.on_question: Callable[[], None] | None = None
        """Called once a reply that asked a question has been played (follow-ups)."""

    @property
    def busy(self) -> bool:
        """True while a turn is in progress."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Resolve the services now so the first command is quick (failures are retried)."""
        try:
            self.pipeline.endpoints = await self.resolver.resolve()
        except PipelineError as err:
            _LOGGER.warning("Standalone services not ready yet: %s", err)

    def begin(self, preroll: Sequence[AudioBlock]) -> LocalCommandStream:
        """Start a turn; the satellite feeds the returned stream."""
        detector = CommandEndDetector(self.vad, self.vad_settings, self.vad_worker)
        stream = LocalCommandStream(detector, preroll)
        self._task = asyncio.create_task(self._turn(stream), name="satellite standalone turn")
        return stream

    async def stop(self) -> None:
        """Cancel a turn in progress."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _turn(self, stream: LocalCommandStream) -> None:
        reply = _ReplyPlayer(self.player, self.hooks)
        run = asyncio.create_task(self._run_pipeline(stream, reply))
        ended = asyncio.ensure_future(stream.ended.wait())
        try:
            await asyncio.wait({run, ended}, return_when=asyncio.FIRST_COMPLETED)
            if stream.reason is EndReason.NO_SPEECH and not run.done():
                _LOGGER.info("%s", "Listening failed" if stream.failed else "Nobody spoke")
                run.cancel()
            try:
                await run
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            except PipelineError as err:
                await self._failed(err, stream, reply)
            except Exception:  # e.g. a service that broke the protocol: still end the turn
                _LOGGER.exception("Standalone turn failed")
                self.resolver.invalidate()
                stream.failed = True
            if stream.failed:
                self.hooks.emit(SatelliteState.ERROR, text="listening failed", code="satellite")
                await self.player.play_sound(self.sounds.error, "error tone").wait()
            await reply.played()
            self._maybe_follow_up(reply)
        finally:
            ended.cancel()
            stream.end(EndReason.NO_SPEECH)
            if not run.done():
                run.cancel()
                await asyncio.gather(run, return_exceptions=True)
        self.hooks.emit(SatelliteState.IDLE)

    def _maybe_follow_up(self, reply: _ReplyPlayer) -> None:
        result = self.last_result
        heard = reply.playback is not None and not reply.playback.cancelled
        if result is not None and result.expects_answer and heard and self.on_question:
            self.on_question()

    async def _failed(
        self, err: PipelineError, stream: LocalCommandStream, reply: _ReplyPlayer
    ) -> None:
        _LOGGER.warning("Standalone pipeline failed: %s", err)
        stream.end(EndReason.NO_SPEECH)  # stop listening at once
        self.hooks.emit(SatelliteState.ERROR, text=str(err), code=err.stage)
        self.resolver.invalidate()
        await reply.played()
        await self._report_error(err)

    async def _run_pipeline(self, stream: LocalCommandStream, reply: _ReplyPlayer) -> None:
        self.last_result = None
        self.pipeline.endpoints = await self.resolver.resolve()
        result = await self.pipeline.run(stream.audio(), reply)
        self.last_result = result
        if result.timings.first_audio is not None:
            _LOGGER.info("Reply began %.2f s after the end of speech", result.timings.first_audio)

    async def _report_error(self, err: PipelineError) -> None:
        """Say what is down when the voice still works; otherwise play the error tone."""
        if err.stage != "tts":
            speech = _ReplyPlayer(self.player, self.hooks)
            try:
                async with asyncio.timeout(10.0):
                    await self.pipeline.speak(
                        f"Sorry, the {_STAGE_NAMES.get(err.stage, err.stage)} service is not "
                        "available.",
                        speech,
                    )
                await speech.played()
                if speech.playback is not None:
                    return
            except (PipelineError, TimeoutError) as speak_err:
                _LOGGER.debug("Cannot speak the error either: %s", speak_err)
                await speech.played()
        await self.player.play_sound(self.sounds.error, "error tone").wait()
