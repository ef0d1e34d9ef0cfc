"""Home Assistant's side of the satellite (HA_CONTRACT §8): run/pause per connection, the
events of a pipeline run, reply audio and announcements, timers and errors."""

from __future__ import annotations

import logging
from typing import Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detection

from wyoming_common.audio import AudioFormat

from ..devices.player import AudioPlayer
from ..devices.sounds import FeedbackSounds
from ..hooks import EventHooks, SatelliteState
from .command_stream import HaCommandStream, ServerConnection
from .replies import HaReplies
from .timers import TimerBook

_LOGGER = logging.getLogger(__name__)

__all__ = ["HaCommandStream", "HaSession", "ServerConnection", "StreamControl"]


class StreamControl(Protocol):
    """What the session asks of the satellite core."""

    def stop_stream(self, server: ServerConnection, reason: str) -> None:
        """Stop streaming the command to this server (no audio-stop)."""
        ...

    async def trigger_command(self, server: ServerConnection) -> None:
        """Start a command as if the wake word had been heard."""
        ...

    def request_follow_up(self, server: ServerConnection | None) -> None:
        """A reply asked a question: listen again without the wake word."""
        ...


class HaSession:
    """Events from Home Assistant connections.

    HA may hold several connections at once (one per config entry, HA_CONTRACT §10b): what a
    connection sets (running or paused, its command stream, its reply audio) belongs to that
    connection only. Commands go to the connection that most recently asked to run the
    satellite and is still running; when it pauses or leaves, the next one takes over.
    """

    def __init__(
        self,
        *,
        control: StreamControl,
        player: AudioPlayer,
        sounds: FeedbackSounds,
        hooks: EventHooks,
        timers: TimerBook,
    ) -> None:
        self.control = control
        self.player = player
        self.sounds = sounds
        self.hooks = hooks
        self.timers = timers
        self.replies = HaReplies(player, hooks, control.request_follow_up)
        self._running: dict[ServerConnection, None] = {}  # insertion order = run-satellite order

    @property
    def active_server(self) -> ServerConnection | None:
        """The connection to stream the next command to: the latest that runs the satellite."""
        return next(reversed(self._running), None)

    async def handle(self, server: ServerConnection, event: Event) -> None:
        """One event from a connection (describe and ping are answered before this)."""
        kind = event.type
        if RunSatellite.is_type(kind):
            self._attach(server)
        elif PauseSatellite.is_type(kind):
            self._detach(server, "paused")
        elif VoiceStopped.is_type(kind) or Transcript.is_type(kind):
            self.control.stop_stream(server, kind)
        elif Error.is_type(kind):
            self._on_error(server, Error.from_event(event))
        elif Synthesize.is_type(kind):
            self.replies.synthesizing(server, Synthesize.from_event(event).text or "")
        elif AudioStart.is_type(kind):
            start = AudioStart.from_event(event)
            fmt = AudioFormat(start.rate, start.width, start.channels).validate()
            self.replies.start(server, fmt)
        elif AudioChunk.is_type(kind):
            chunk = AudioChunk.from_event(event)
            fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels).validate()
            self.replies.chunk(server, fmt, chunk.audio)
        elif AudioStop.is_type(kind):
            self.replies.stop(server)
        elif TimerBook.is_timer_event(event):
            self._on_timer(event)
        elif RunPipeline.is_type(kind):
            await self.control.trigger_command(server)
        elif any(c.is_type(kind) for c in (VoiceStarted, Transcribe, Detection)):
            _LOGGER.debug("Home Assistant: %s", kind)
        else:
            _LOGGER.debug("Ignoring %s from %s", kind, server.peer)

    async def stopped_by_user(self) -> None:
        """The stop word during playback: what HA is still sending is dropped and HA hears
        `played` at once, which ends the run on its side (its protocol has no cancel)."""
        for server in self.replies.stopped_by_user():
            _LOGGER.info("Reply from %s stopped by the user", server.peer)

    def _on_error(self, server: ServerConnection, error: Error) -> None:
        _LOGGER.info("Home Assistant reported an error: %s (%s)", error.text, error.code)
        self.control.stop_stream(server, "error")
        self.hooks.emit(SatelliteState.ERROR, text=error.text, code=error.code)
        self.replies.after(self.player.play_sound(self.sounds.error, "error tone"))

    def _attach(self, server: ServerConnection) -> None:
        self._running.pop(server, None)
        self._running[server] = None
        _LOGGER.info(
            "Home Assistant at %s runs the satellite (%d connection(s))",
            server.peer,
            len(self._running),
        )
        self.hooks.emit(SatelliteState.CONNECTED)

    def _detach(self, server: ServerConnection, reason: str) -> None:
        """server paused or left: stop what it started; the others keep the satellite."""
        self.control.stop_stream(server, reason)
        if self._running.pop(server, None) is None and reason == "paused":
            return
        remaining = self.active_server
        if remaining is not None:
            _LOGGER.info(
                "Home Assistant connection %s %s; %s still runs the satellite",
                server.peer,
                reason,
                remaining.peer,
            )
        elif reason == "paused":
            _LOGGER.info("Home Assistant paused the satellite")
            self.hooks.emit(SatelliteState.IDLE)
        else:
            _LOGGER.info("Home Assistant disconnected")
            self.hooks.emit(SatelliteState.DISCONNECTED)

    def disconnected(self, server: ServerConnection) -> None:
        """A connection closed (HA restarts, an entry was removed, network loss)."""
        self.replies.disconnected(server)
        if server in self._running:
            self._detach(server, "disconnected")
        else:
            self.control.stop_stream(server, "disconnected")

    def _on_timer(self, event: Event) -> None:
        change = self.timers.apply(event)
        if change is None:
            return
        timer = change.timer
        self.hooks.emit(
            SatelliteState.TIMER,
            event=change.kind,
            id=timer.id,
            name=timer.name,
            total_seconds=timer.total_seconds,
            is_active=timer.is_active,
        )
        if change.kind == "finished":
            _LOGGER.info("Timer %s finished", timer.name or timer.id)
            self.replies.after(self.player.play_sound(self.sounds.timer, "timer alarm"))

    async def close(self) -> None:
        """Cancel pending `played` notifications."""
        await self.replies.close()
