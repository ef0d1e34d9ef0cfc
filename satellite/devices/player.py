"""One queue in front of the speaker: replies, announcements and sounds play in turn, never over
each other, with volume and a lead-in of silence so the first syllable is never clipped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from voice_pipeline.convert import scale_pcm16
from wyoming_common.audio import AudioFormat

from ..errors import AudioDeviceError
from .playback_stream import PlaybackStream
from .sounds import Sound
from .speaker import Speaker

__all__ = ["AudioPlayer", "PlaybackObserver", "PlaybackStream", "PlaybackTap"]

_LOGGER = logging.getLogger(__name__)

MAX_PENDING_STREAMS = 8

PIECE_SECONDS = 0.1  # the speaker gets (and the tap sees) audio in pieces this long


class PlaybackTap(Protocol):
    """Sees what goes to the speaker, as it goes (the echo canceller's reference)."""

    def push(self, audio: bytes, fmt: AudioFormat) -> None:
        """A piece of audio about to be played."""
        ...

    def clear(self) -> None:
        """Playback was cut: what was pushed but not played never will be."""
        ...


class PlaybackObserver(Protocol):
    """Told when the speaker starts talking after silence and when it falls silent."""

    async def speaking(self) -> None:
        """Something is about to play."""
        ...

    async def quiet(self) -> None:
        """Nothing plays or waits any more."""
        ...


class AudioPlayer:
    """Plays PlaybackStreams one after another on a Speaker in a task of its own.

    `interrupt()` ends what plays now (the speaker process is stopped, not drained) and drops
    what waits; `tap` sees every chunk as it goes to the speaker (the echo canceller's
    reference); `idle_since` says when the speaker last fell silent.
    """

    def __init__(
        self,
        speaker: Speaker | None,
        *,
        volume: float = 1.0,
        lead_in_seconds: float = 0.1,
        max_pending: int = MAX_PENDING_STREAMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speaker = speaker
        self.volume = volume
        self.lead_in_seconds = lead_in_seconds
        self.max_pending = max_pending
        self.tap: PlaybackTap | None = None
        self.observer: PlaybackObserver | None = None
        self._clock = clock
        self._jobs: asyncio.Queue[PlaybackStream] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._playing: asyncio.Task[None] | None = None
        self._current: PlaybackStream | None = None
        self.played_seconds = 0.0
        self.idle_since = -math.inf  # never played yet
        self.quiet_since_last_stream = True

    async def start(self) -> None:
        """Start the playback task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="satellite playback")

    async def stop(self) -> None:
        """Stop playing; pending streams are released."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for stream in self._drain_jobs():
            stream.complete()

    @property
    def busy(self) -> bool:
        """True while something is playing or waiting to play."""
        return self._current is not None or not self._jobs.empty()

    @property
    def current(self) -> PlaybackStream | None:
        """The stream on the speaker now."""
        return self._current

    def quiet_for(self) -> float:
        """Seconds since the speaker last played anything (0 while it plays)."""
        return 0.0 if self.busy else max(0.0, self._clock() - self.idle_since)

    def open(self, fmt: AudioFormat, label: str) -> PlaybackStream:
        """Queue a new stream; feed it while it plays (refused when too many wait)."""
        stream = PlaybackStream(fmt, label)
        if self._jobs.qsize() >= self.max_pending:
            _LOGGER.warning(
                "%d sounds already wait for the speaker: dropping %s", self.max_pending, label
            )
            stream.cancel()
            stream.complete()
            return stream
        self._jobs.put_nowait(stream)
        return stream

    def play_sound(self, sound: Sound, label: str) -> PlaybackStream:
        """Queue a sound held in memory."""
        stream = self.open(sound.fmt, label)
        stream.feed(sound.pcm)
        stream.finish()
        return stream

    def interrupt(self) -> list[str]:
        """Stop what plays now and drop what waits; the labels of what was cut."""
        cut = []
        for stream in self._drain_jobs():
            cut.append(stream.label)
            stream.cancel()
            stream.complete()
        current = self._current
        if current is not None:
            cut.append(current.label)
            current.cancel()
            if self._playing is not None:
                self._playing.cancel()
        if self.tap is not None:
            self.tap.clear()
        return cut

    def _drain_jobs(self) -> list[PlaybackStream]:
        streams = []
        while not self._jobs.empty():
            streams.append(self._jobs.get_nowait())
        return streams

    async def _run(self) -> None:
        while True:
            stream = await self._jobs.get()
            self._current = stream
            if self.observer is not None and self.quiet_since_last_stream:
                await self.observer.speaking()
            self.quiet_since_last_stream = False
            self._playing = asyncio.create_task(self._play(stream))
            try:
                await self._playing
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    self._playing.cancel()
                    stream.complete()
                    raise
                _LOGGER.debug("Interrupted %s", stream.label)
            except AudioDeviceError as err:
                _LOGGER.warning("Speaker failed while playing %s: %s", stream.label, err)
            except Exception:  # a broken speaker must not stop the satellite
                _LOGGER.exception("Unexpected error while playing %s", stream.label)
            finally:
                self._current, self._playing = None, None
                self.idle_since = self._clock()
            # Whatever the speaker did, nobody may wait forever for `played`.
            async for _rest in stream.chunks():
                pass
            stream.complete()
            if self._jobs.empty():
                self.quiet_since_last_stream = True
                if self.observer is not None:
                    await self.observer.quiet()

    async def _play(self, stream: PlaybackStream) -> None:
        if self.speaker is None:
            async for _chunk in stream.chunks():
                pass
            return
        _LOGGER.debug("Playing %s", stream.label)
        await self.speaker.play(stream.fmt, self._prepared(stream))
        self.played_seconds += stream.seconds

    async def _prepared(self, stream: PlaybackStream) -> AsyncIterator[bytes]:
        fmt = stream.fmt
        frames = int(fmt.rate * self.lead_in_seconds)
        if frames:
            yield self._tapped(bytes(frames * fmt.bytes_per_frame), fmt)
        piece = max(fmt.bytes_per_frame, int(fmt.rate * PIECE_SECONDS) * fmt.bytes_per_frame)
        async for chunk in stream.chunks():
            audio = scale_pcm16(chunk, self.volume) if fmt.width == 2 else chunk
            for start in range(0, len(audio), piece):
                yield self._tapped(audio[start : start + piece], fmt)

    def _tapped(self, chunk: bytes, fmt: AudioFormat) -> bytes:
        if self.tap is not None:
            self.tap.push(chunk, fmt)
        return chunk
