"""Reply audio and announcements from Home Assistant: played in turn, `played` sent once heard
(or at once when the user said "stop"), follow-ups asked for when a reply was a question."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from wyoming.snd import Played

from voice_pipeline.conversation import expects_answer
from wyoming_common.audio import AudioFormat

from ..devices.player import AudioPlayer, PlaybackStream
from ..hooks import EventHooks, SatelliteState
from .command_stream import ServerConnection

_LOGGER = logging.getLogger(__name__)


class HaReplies:
    """Per connection: the audio stream being received, the text HA said it synthesizes."""

    def __init__(
        self,
        player: AudioPlayer,
        hooks: EventHooks,
        on_question: Callable[[ServerConnection], None],
    ) -> None:
        self.player = player
        self.hooks = hooks
        self.on_question = on_question
        self._playbacks: dict[ServerConnection, PlaybackStream] = {}
        self._texts: dict[ServerConnection, str] = {}
        self._silenced: set[ServerConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def synthesizing(self, server: ServerConnection, text: str) -> None:
        """HA's `synthesize`: the text of the reply audio that follows."""
        self._texts[server] = text

    def start(self, server: ServerConnection, fmt: AudioFormat) -> None:
        """audio-start: a reply (after `synthesize`) or an announcement."""
        self._silenced.discard(server)
        self._open(server, fmt)

    def chunk(self, server: ServerConnection, fmt: AudioFormat, audio: bytes) -> None:
        """audio-chunk (dropped after the user said stop, until the stream's audio-stop)."""
        if server in self._silenced:
            return
        playback = self._playbacks.get(server) or self._open(server, fmt)
        playback.feed(audio)

    def stop(self, server: ServerConnection) -> None:
        """audio-stop: the stream ends; `played` follows once the speaker has played it."""
        if server in self._silenced:
            self._silenced.discard(server)
            return
        finished = self._playbacks.pop(server, None)
        if finished is not None:
            finished.finish()
            question = expects_answer(self._texts.pop(server, ""))
            self.after(finished, played_to=server, question=question)

    def stopped_by_user(self) -> list[ServerConnection]:
        """The stop word: drop what is still arriving; HA hears `played` at once."""
        servers = list(self._playbacks)
        for server in servers:
            self._playbacks.pop(server).cancel()
            self._texts.pop(server, None)
            self._silenced.add(server)
            self.after(_done_stream(), played_to=server)
        return servers

    def disconnected(self, server: ServerConnection) -> None:
        """The sender is gone: its audio must not stay in memory."""
        playback = self._playbacks.pop(server, None)
        self._texts.pop(server, None)
        self._silenced.discard(server)
        if playback is not None:
            playback.cancel()
            self.after(playback)

    def _open(self, server: ServerConnection, fmt: AudioFormat) -> PlaybackStream:
        old = self._playbacks.pop(server, None)
        if old is not None:
            old.finish()
        label = "reply" if server in self._texts else "announcement"
        playback = self.player.open(fmt, label)
        self._playbacks[server] = playback
        self.hooks.emit(
            SatelliteState.SPEAKING, rate=fmt.rate, width=fmt.width, channels=fmt.channels
        )
        return playback

    def after(
        self,
        playback: PlaybackStream,
        played_to: ServerConnection | None = None,
        question: bool = False,
    ) -> None:
        """Once playback has been heard: `played` to HA, idle, maybe a follow-up."""
        task = asyncio.create_task(self._finish(playback, played_to, question))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(
        self, playback: PlaybackStream, played_to: ServerConnection | None, question: bool
    ) -> None:
        await playback.wait()
        if played_to is not None:
            try:
                await played_to.write_event(Played().event())
            except (ConnectionError, OSError, RuntimeError):
                _LOGGER.debug("Could not send played: connection gone")
                return
            if question and not playback.cancelled:
                self.on_question(played_to)
        if not self.player.busy:
            self.hooks.emit(SatelliteState.IDLE)

    async def close(self) -> None:
        """Cancel pending `played` notifications."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _done_stream() -> PlaybackStream:
    stream = PlaybackStream(AudioFormat(22050, 2, 1), "stopped")
    stream.cancel()
    stream.complete()
    return stream
