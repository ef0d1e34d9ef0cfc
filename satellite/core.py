"""The satellite core: microphone → pre-roll → wake word → command stream to Home Assistant
(when HA runs the satellite) or to the standalone pipeline (when services are configured)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

from wyoming.event import Event
from wyoming.info import Info

from .devices.capture import AudioBlock, AudioCapture
from .devices.player import AudioPlayer, PlaybackStream
from .devices.sounds import FeedbackSounds
from .ha.info import build_info
from .ha.session import HaCommandStream, HaSession, ServerConnection
from .ha.timers import TimerBook
from .hooks import EventHooks, SatelliteState
from .wake.engine import Refractory, WakeWordEngine
from .wake.preroll import PrerollBuffer

_LOGGER = logging.getLogger(__name__)


class CommandStream(Protocol):
    """Where the microphone goes between the wake word and the end of the command."""

    async def feed(self, block: AudioBlock) -> bool:
        """Take a block; False when the command is over."""
        ...


class LocalAssistant(Protocol):
    """The standalone pipeline as seen by the core (see standalone.StandaloneAssistant)."""

    @property
    def busy(self) -> bool:
        """True while a command is being answered."""
        ...

    async def start(self) -> None:
        """Find the services (a failure is logged, not fatal)."""
        ...

    def begin(self, preroll: Sequence[AudioBlock]) -> CommandStream:
        """Start answering a command; the returned stream takes the live audio."""
        ...

    async def stop(self) -> None:
        """Cancel a command in progress."""
        ...


class Satellite:
    """Long-lived: survives Home Assistant connecting, pausing and disconnecting at any time."""

    def __init__(
        self,
        *,
        name: str,
        area: str | None,
        capture: AudioCapture,
        wake: WakeWordEngine,
        player: AudioPlayer,
        sounds: FeedbackSounds,
        hooks: EventHooks,
        active_wake_words: Sequence[str],
        preroll_seconds: float = 0.3,
        refractory_seconds: float = 2.0,
        max_command_seconds: float = 15.0,
        assistant: LocalAssistant | None = None,
    ) -> None:
        self.name = name
        self.area = area
        self.capture = capture
        self.wake = wake
        self.player = player
        self.sounds = sounds
        self.hooks = hooks
        self.active_wake_words = list(active_wake_words)
        self.max_command_seconds = max_command_seconds
        self.assistant = assistant
        self.timers = TimerBook()
        self.ha = HaSession(
            control=self, player=player, sounds=sounds, hooks=hooks, timers=self.timers
        )
        self._preroll = PrerollBuffer(preroll_seconds)
        self._refractory = Refractory(refractory_seconds)
        self._stream: CommandStream | None = None
        self._wake_dirty = False
        self._awake_sound: PlaybackStream | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start playback, hooks, wake word, the standalone services and the microphone."""
        await self.player.start()
        await self.hooks.start()
        await self.wake.start()
        if self.assistant is not None:
            await self.assistant.start()
        _LOGGER.info("Microphone: %s", self.capture.mic.description)
        await self.capture.start()
        self._task = asyncio.create_task(self._audio_loop(), name="satellite audio loop")
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

    def stop_stream(self, server: ServerConnection, reason: str) -> None:
        """Stop streaming to server (HA heard enough, paused or left)."""
        stream = self._stream
        if isinstance(stream, HaCommandStream) and stream.server is server and not stream.ended:
            _LOGGER.debug("Streaming to Home Assistant stopped: %s", reason)
            stream.stop()
            self._command_ended(stream, reason)

    async def trigger(self, server: ServerConnection) -> None:
        """Home Assistant asked for a command without a wake word (`run-pipeline`)."""
        if self._stream is None and self.ha.active_server is server:
            await self._start_ha_command(server, None, 0)

    # -- audio --------------------------------------------------------------------------------

    async def _audio_loop(self) -> None:
        async for block in self.capture.blocks():
            self._preroll.append(block)
            stream = self._stream
            if stream is not None:
                await self._feed_command(stream, block)
                continue
            if not self._wake_wanted():
                continue
            try:
                if self._wake_dirty:
                    await self.wake.reset()
                    self._wake_dirty = False
                name = await self.wake.process(block.audio, block.timestamp)
            except Exception:  # the engine must not take the satellite down
                _LOGGER.exception("Wake word engine failed")
                continue
            if name and self._refractory.allow(name):
                await self._on_wake(name, block.timestamp)

    async def _feed_command(self, stream: CommandStream, block: AudioBlock) -> None:
        if self._awake_sound is not None and not self._awake_sound.done:
            # The awake sound is playing: the command must not hear our own beep.
            block = AudioBlock(bytes(len(block.audio)), block.timestamp)
        try:
            more = await stream.feed(block)
        except (ConnectionError, OSError, RuntimeError) as err:
            _LOGGER.info("Command stream failed: %s", err)
            more = False
        if not more:
            self._command_ended(stream, "ended")

    def _wake_wanted(self) -> bool:
        if self.player.busy:
            return False  # our own voice must not wake us
        if self.ha.active_server is not None:
            return True
        return self.assistant is not None and not self.assistant.busy

    async def _on_wake(self, name: str, timestamp: int) -> None:
        _LOGGER.info("Wake word %s detected", name)
        self.hooks.emit(SatelliteState.WAKE, name=name, timestamp=timestamp)
        if self.sounds.awake is not None:
            self._awake_sound = self.player.play_sound(self.sounds.awake, "awake sound")
        server = self.ha.active_server
        if server is not None:
            await self._start_ha_command(server, name, timestamp)
        elif self.assistant is not None:
            self._stream = self.assistant.begin(self._preroll_after_wake(timestamp))
            self.hooks.emit(SatelliteState.LISTENING)

    def _preroll_after_wake(self, timestamp: int | None) -> list[AudioBlock]:
        # A local detector reports the wake word with the block that completes it, so the
        # pre-roll before that block is the wake word itself: sending it makes the
        # recogniser hear "...bu turn on". A remote service answers late, after audio that
        # may already hold the first word: keep the whole pre-roll window then.
        if timestamp is None or self.wake.detection_lags:
            return self._preroll.snapshot()
        return self._preroll.snapshot(after=timestamp)

    async def _start_ha_command(
        self, server: ServerConnection, name: str | None, timestamp: int
    ) -> None:
        stream = HaCommandStream(server, self.max_command_seconds)
        self._stream = stream
        self.hooks.emit(SatelliteState.LISTENING)
        try:
            await stream.begin(name, timestamp)
            for block in self._preroll_after_wake(timestamp if name is not None else None):
                await stream.feed(block)
        except (ConnectionError, OSError, RuntimeError) as err:
            _LOGGER.info("Could not start the command with Home Assistant: %s", err)
            stream.stop()
            self._command_ended(stream, "failed")

    def _command_ended(self, stream: CommandStream, reason: str) -> None:
        if self._stream is not stream:
            return
        self._stream = None
        self._wake_dirty = True
        _LOGGER.debug("Command ended (%s)", reason)
        if reason in ("paused", "disconnected", "replaced", "failed"):
            self.hooks.emit(SatelliteState.IDLE)
            return
        if isinstance(stream, HaCommandStream):
            self.hooks.emit(SatelliteState.THINKING)  # the standalone assistant reports its own
        if self.sounds.done is not None:
            self.player.play_sound(self.sounds.done, "done sound")
