"""The satellite core: microphone → pre-roll → wake word (arbitrated with the other satellites)
→ command stream to Home Assistant (when HA runs the satellite) or to the standalone pipeline.

While the speaker plays, the wake word and the VAD are deaf (plus a short tail for the room's
echo) and only the stop word listens; follow-up windows open after the reply has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from wyoming.event import Event
from wyoming.info import Info

from .commands import CommandStream, LocalAssistant
from .devices.capture import AudioBlock, AudioCapture
from .devices.player import AudioPlayer, PlaybackStream
from .devices.sounds import FeedbackSounds
from .follow_up import FollowUpWindow
from .ha.info import build_info
from .ha.session import HaCommandStream, HaSession, ServerConnection
from .ha.timers import TimerBook
from .hooks import EventHooks, SatelliteState
from .supervision import LoopSupervisor
from .wake.preroll import PrerollBuffer
from .wake.stop import StopWordListener
from .wake.trigger import WakeTrigger

_LOGGER = logging.getLogger(__name__)

STOPPABLE = ("reply", "announcement", "timer alarm")


class Satellite:
    """Long-lived: survives Home Assistant connecting, pausing and disconnecting at any time."""

    def __init__(
        self,
        *,
        name: str,
        area: str | None,
        capture: AudioCapture,
        trigger: WakeTrigger,
        player: AudioPlayer,
        sounds: FeedbackSounds,
        hooks: EventHooks,
        active_wake_words: Sequence[str],
        preroll_seconds: float = 0.3,
        max_command_seconds: float = 15.0,
        playback_tail: float = 0.4,
        stop_word: StopWordListener | None = None,
        follow_up: FollowUpWindow | None = None,
        assistant: LocalAssistant | None = None,
    ) -> None:
        self.name = name
        self.area = area
        self.capture = capture
        self.trigger = trigger
        self.wake = trigger.engine
        self.player = player
        self.sounds = sounds
        self.hooks = hooks
        self.active_wake_words = list(active_wake_words)
        self.max_command_seconds = max_command_seconds
        self.playback_tail = playback_tail
        self.stop_word = stop_word
        self.follow_up = follow_up
        self.assistant = assistant
        self.timers = TimerBook()
        self.ha = HaSession(
            control=self, player=player, sounds=sounds, hooks=hooks, timers=self.timers
        )
        self._preroll = PrerollBuffer(preroll_seconds)
        self._stream: CommandStream | None = None
        self._quiet_sound: PlaybackStream | None = None
        self._task: asyncio.Task[None] | None = None
        self.supervisor = LoopSupervisor()
        self.stops = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start playback, hooks, wake word, the standalone services and the microphone."""
        await self.player.start()
        await self.hooks.start()
        await self.wake.start()
        if self.trigger.arbiter is not None:
            await self.trigger.arbiter.start()
        if self.assistant is not None:
            await self.assistant.start()
        _LOGGER.info("Microphone: %s", self.capture.mic.description)
        await self.capture.start()
        self._task = asyncio.create_task(self._audio_loop(), name="satellite audio loop")
        self.supervisor.watch(self._task)
        _LOGGER.info("Satellite %r listening for %s", self.name, ", ".join(self.active_wake_words))

    async def stop(self) -> None:
        """Stop everything started by start()."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.capture.stop()
        if self.assistant is not None:
            await self.assistant.stop()
        await self.ha.close()
        if self.trigger.arbiter is not None:
            await self.trigger.arbiter.stop()
        await self.wake.stop()
        await self.player.stop()
        await self.hooks.stop()

    def info(self) -> Info:
        """The `describe` answer."""
        return build_info(
            name=self.name,
            area=self.area,
            wake=self.wake.program,
            active_wake_words=self.active_wake_words,
        )

    # -- Home Assistant -----------------------------------------------------------------------

    async def on_server_event(self, server: ServerConnection, event: Event) -> None:
        """An event from a Home Assistant connection."""
        await self.ha.handle(server, event)

    def on_server_disconnected(self, server: ServerConnection) -> None:
        """A connection closed."""
        self.ha.disconnected(server)
        if self.follow_up is not None:
            for window in (self.follow_up.pending, self.follow_up.open):
                if window is not None and window.server is server:
                    self.follow_up.cancel()

    def stop_stream(self, server: ServerConnection, reason: str) -> None:
        """Stop streaming to server (HA heard enough, paused or left)."""
        stream = self._stream
        if isinstance(stream, HaCommandStream) and stream.server is server and not stream.ended:
            _LOGGER.debug("Streaming to Home Assistant stopped: %s", reason)
            stream.stop()
            self._command_ended(stream, reason)

    async def trigger_command(self, server: ServerConnection) -> None:
        """Home Assistant asked for a command without a wake word (`run-pipeline`)."""
        if self._stream is None and self.ha.active_server is server:
            await self._start_ha_command(server, None, 0, None)

    def request_follow_up(self, server: ServerConnection | None) -> None:
        """A reply that asked a question has been played: listen again without the wake word."""
        if self.follow_up is not None:
            self.follow_up.request(server)

    # -- audio --------------------------------------------------------------------------------

    async def _audio_loop(self) -> None:
        await self.supervisor.run(self.capture.blocks(), self._on_block, self._recover)

    async def _recover(self) -> None:
        """After a failed block: end the command or window, start the detectors afresh."""
        if (stream := self._stream) is not None:
            await stream.abort()
            self._command_ended(stream, "failed")
        elif self.follow_up is not None and (self.follow_up.open or self.follow_up.pending):
            self.follow_up.cancel()
            self.hooks.emit(SatelliteState.IDLE)
        if self.stop_word is not None:
            self.stop_word.pause()
        self.trigger.reset_later()

    async def _on_block(self, block: AudioBlock) -> None:
        self.trigger.loudness.add(block.audio)
        self._preroll.append(block)
        stream = self._stream
        if stream is not None:
            await self._feed_command(stream, block)
        elif self.player.busy:
            await self._while_playing(block)
        elif self.player.quiet_for() < self.playback_tail:
            self.trigger.reset_later()  # the room still echoes what we played
        elif self.follow_up is not None and (self.follow_up.pending or self.follow_up.open):
            await self._follow_up(block)
        elif self._wake_wanted():
            decision = await self.trigger.process(block.audio, block.timestamp)
            if decision is not None and decision.answer:
                await self._on_wake(decision.hit.name, block.timestamp)

    async def _while_playing(self, block: AudioBlock) -> None:
        """Our own voice must not wake us; only the stop word listens."""
        self.trigger.reset_later()
        current = self.player.current
        if self.stop_word is None or current is None or current.label not in STOPPABLE:
            if self.stop_word is not None:
                self.stop_word.pause()
            return
        if await self.stop_word.heard(block.audio):
            await self.stop_speaking()

    async def stop_speaking(self) -> None:
        """The stop word: end the playback, cancel the running turn, silence the alarm."""
        cut = self.player.interrupt()
        self.stops += 1
        _LOGGER.info("Stop word: stopped %s", ", ".join(cut) or "nothing")
        if self.stop_word is not None:
            self.stop_word.pause()
        if self.follow_up is not None:
            self.follow_up.cancel()
        await self.ha.stopped_by_user()
        if self.assistant is not None and self.assistant.busy:
            await self.assistant.stop()
        self.hooks.emit(SatelliteState.IDLE, stopped=cut)

    async def _follow_up(self, block: AudioBlock) -> None:
        assert self.follow_up is not None
        window = self.follow_up.open
        if window is None:
            window = self.follow_up.start()
            if window is None:
                return
            self._quiet_sound = self.player.play_sound(self.sounds.listening, "listening sound")
            self.hooks.emit(SatelliteState.LISTENING, follow_up=True)
            return
        speech = await self.follow_up.feed(block)
        if speech is None:
            if self.follow_up.open is None:
                self.hooks.emit(SatelliteState.IDLE)
            return
        server = self.ha.active_server
        if server is not None and window.server == server:
            await self._start_ha_command(server, None, 0, speech)
        elif window.server is None and self.assistant is not None and not self.assistant.busy:
            self._stream = self.assistant.begin(speech)

    async def _feed_command(self, stream: CommandStream, block: AudioBlock) -> None:
        if self._quiet_sound is not None and not self._quiet_sound.done:
            # Our own beep is playing: the command must not hear it.
            block = AudioBlock(bytes(len(block.audio)), block.timestamp)
        if not await stream.feed(block):  # over (a failure raises: see _recover)
            self._command_ended(stream, "ended")

    def _wake_wanted(self) -> bool:
        if self.ha.active_server is not None:
            return True
        return self.assistant is not None and not self.assistant.busy

    async def _on_wake(self, name: str, timestamp: int) -> None:
        self.hooks.emit(SatelliteState.WAKE, name=name, timestamp=timestamp)
        if self.sounds.awake is not None:
            self._quiet_sound = self.player.play_sound(self.sounds.awake, "awake sound")
        server = self.ha.active_server
        if server is not None:
            await self._start_ha_command(server, name, timestamp, None)
        elif self.assistant is not None:
            self._stream = self.assistant.begin(
                self._preroll.after_wake(timestamp, self.wake.detection_lags)
            )
            self.hooks.emit(SatelliteState.LISTENING)

    async def _start_ha_command(
        self,
        server: ServerConnection,
        name: str | None,
        timestamp: int,
        audio: Sequence[AudioBlock] | None,
    ) -> None:
        stream = HaCommandStream(server, self.max_command_seconds)
        self._stream = stream
        self.hooks.emit(SatelliteState.LISTENING)
        if audio is None:
            wake_timestamp = timestamp if name is not None else None
            audio = self._preroll.after_wake(wake_timestamp, self.wake.detection_lags)
        try:
            await stream.begin(name, timestamp)
            for block in audio:
                await stream.feed(block)
        except (ConnectionError, OSError, RuntimeError) as err:
            _LOGGER.info("Could not start the command with Home Assistant: %s", err)
            stream.stop()
            self._command_ended(stream, "failed")

    def _command_ended(self, stream: CommandStream, reason: str) -> None:
        if self._stream is not stream:
            return
        self._stream = None
        self.trigger.reset_later()
        _LOGGER.debug("Command ended (%s)", reason)
        if reason in ("paused", "disconnected", "replaced", "failed", "error"):
            # HA's error (the session plays the tone) and a failed local turn report their own
            if reason != "error" and isinstance(stream, HaCommandStream):
                self.hooks.emit(SatelliteState.IDLE)
            return
        if isinstance(stream, HaCommandStream):
            self.hooks.emit(SatelliteState.THINKING)  # the standalone assistant reports its own
        if self.sounds.done is not None:
            self.player.play_sound(self.sounds.done, "done sound")
