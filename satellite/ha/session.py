"""Home Assistant's side of the satellite (HA_CONTRACT §8): run/pause, the command stream to HA,
reply audio and announcements with `played`, timers and errors."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.snd import Played
from wyoming.tts import Synthesize
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detection

from wyoming_common.audio import STT_FORMAT, AudioFormat

from ..devices.capture import AudioBlock
from ..devices.player import AudioPlayer, PlaybackStream
from ..devices.sounds import FeedbackSounds
from ..hooks import EventHooks, SatelliteState
from .timers import TimerBook

_LOGGER = logging.getLogger(__name__)


class ServerConnection(Protocol):
    """The part of a connection handler the session uses."""

    peer: str

    async def write_event(self, event: Event) -> None:
        """Send one event to Home Assistant."""
        ...


class StreamControl(Protocol):
    """What the session asks of the satellite core."""

    def stop_stream(self, server: ServerConnection, reason: str) -> None:
        """Stop streaming the command to this server (no audio-stop)."""
        ...

    async def trigger(self, server: ServerConnection) -> None:
        """Start a command as if the wake word had been heard."""
        ...


class HaCommandStream:
    """The microphone, from the wake word on, as audio-chunks to Home Assistant."""

    def __init__(self, server: ServerConnection, max_seconds: float) -> None:
        self.server = server
        self.max_seconds = max_seconds
        self.sent_seconds = 0.0
        self.ended = False

    async def begin(self, wake_word: str | None, timestamp: int) -> None:
        """detection (when woken by a word) + run-pipeline asr → tts."""
        if wake_word:
            await self.server.write_event(Detection(name=wake_word, timestamp=timestamp).event())
        await self.server.write_event(
            RunPipeline(
                start_stage=PipelineStage.ASR,
                end_stage=PipelineStage.TTS,
                wake_word_name=wake_word,
                restart_on_end=False,
            ).event()
        )

    async def feed(self, block: AudioBlock) -> bool:
        """Send a block; False once the stream is over (max length sends audio-stop)."""
        if self.ended:
            return False
        fmt = STT_FORMAT
        chunk = AudioChunk(
            rate=fmt.rate,
            width=fmt.width,
            channels=fmt.channels,
            audio=block.audio,
            timestamp=block.timestamp,
        )
        await self.server.write_event(chunk.event())
        self.sent_seconds += fmt.seconds(len(block.audio))
        if self.sent_seconds >= self.max_seconds:
            _LOGGER.info("Command longer than %.0f s: ending it", self.max_seconds)
            self.ended = True
            await self.server.write_event(AudioStop().event())
            return False
        return True

    def stop(self) -> None:
        """Home Assistant has heard enough (voice-stopped, transcript, error, pause)."""
        self.ended = True


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
        self._running: dict[ServerConnection, None] = {}  # insertion order = run-satellite order
        self._playbacks: dict[ServerConnection, PlaybackStream] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def active_server(self) -> ServerConnection | None:
        """The connection to stream the next command to: the latest that runs the satellite."""
        return next(reversed(self._running), None)

    @property
    def server(self) -> ServerConnection | None:
        """Same as active_server (kept for readers of the old single-connection name)."""
        return self.active_server

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
            error = Error.from_event(event)
            _LOGGER.info("Home Assistant reported an error: %s (%s)", error.text, error.code)
            self.control.stop_stream(server, "error")
            self.hooks.emit(SatelliteState.ERROR, text=error.text, code=error.code)
            self._after(self.player.play_sound(self.sounds.error, "error tone"))
        elif AudioStart.is_type(kind):
            start = AudioStart.from_event(event)
            self._open_playback(server, AudioFormat(start.rate, start.width, start.channels))
        elif AudioChunk.is_type(kind):
            chunk = AudioChunk.from_event(event)
            playback = self._playbacks.get(server) or self._open_playback(
                server, AudioFormat(chunk.rate, chunk.width, chunk.channels)
            )
            playback.feed(chunk.audio)
        elif AudioStop.is_type(kind):
            finished = self._take_playback(server)
            if finished is not None:
                finished.finish()
                self._after(finished, played_to=server)
        elif TimerBook.is_timer_event(event):
            self._on_timer(event)
        elif RunPipeline.is_type(kind):
            await self.control.trigger(server)
        elif any(c.is_type(kind) for c in (VoiceStarted, Transcribe, Synthesize, Detection)):
            _LOGGER.debug("Home Assistant: %s", kind)
        else:
            _LOGGER.debug("Ignoring %s from %s", kind, server.peer)

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
        playback = self._take_playback(server)
        if playback is not None:
            playback.finish()  # play what arrived; nobody is left to hear `played`
            self._after(playback)
        if server in self._running:
            self._detach(server, "disconnected")
        else:
            self.control.stop_stream(server, "disconnected")

    def _take_playback(self, server: ServerConnection) -> PlaybackStream | None:
        playback = self._playbacks.get(server)
        if playback is not None:
            del self._playbacks[server]
        return playback

    def _open_playback(self, server: ServerConnection, fmt: AudioFormat) -> PlaybackStream:
        old = self._take_playback(server)
        if old is not None:
            old.finish()
        playback = self.player.open(fmt, "reply")
        self._playbacks[server] = playback
        self.hooks.emit(
            SatelliteState.SPEAKING, rate=fmt.rate, width=fmt.width, channels=fmt.channels
        )
        return playback

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
            self._after(self.player.play_sound(self.sounds.timer, "timer alarm"))

    def _after(self, playback: PlaybackStream, played_to: ServerConnection | None = None) -> None:
        task = asyncio.create_task(self._finish_playback(playback, played_to))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish_playback(
        self, playback: PlaybackStream, played_to: ServerConnection | None
    ) -> None:
        await playback.wait()
        if played_to is not None:
            try:
                await played_to.write_event(Played().event())
            except (ConnectionError, OSError, RuntimeError):
                _LOGGER.debug("Could not send played: connection gone")
        if not self.player.busy:
            self.hooks.emit(SatelliteState.IDLE)

    async def close(self) -> None:
        """Cancel pending `played` notifications."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
