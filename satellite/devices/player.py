"""One queue in front of the speaker: replies, announcements and sounds play in turn, never over
each other, with volume and a lead-in of silence so the first syllable is never clipped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from voice_pipeline.convert import scale_pcm16
from wyoming_common.audio import AudioFormat

from ..errors import AudioDeviceError
from .sounds import Sound
from .speaker import Speaker

_LOGGER = logging.getLogger(__name__)


class PlaybackStream:
    """One sound on its way to the speaker: feed chunks, finish, then wait until heard."""

    def __init__(self, fmt: AudioFormat, label: str, idle_timeout: float = 20.0) -> None:
        self.fmt = fmt
        self.label = label
        self.idle_timeout = idle_timeout
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._done = asyncio.get_running_loop().create_future()
        self._finished = False
        self._drained = False
        self.seconds = 0.0

    def feed(self, audio: bytes) -> None:
        """Queue a chunk (ignored after finish or cancel)."""
        if not self._finished and audio:
            self.seconds += self.fmt.seconds(len(audio))
            self._queue.put_nowait(audio)

    def finish(self) -> None:
        """No more audio will come; the stream ends after the queued chunks."""
        if not self._finished:
            self._finished = True
            self._queue.put_nowait(None)

    def cancel(self) -> None:
        """Drop what was not played yet."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self.finish()

    @property
    def done(self) -> bool:
        """True once played (or failed/cancelled)."""
        return self._done.done()

    async def wait(self) -> None:
        """Return once the speaker has played the whole stream (or gave up on it)."""
        await asyncio.shield(self._done)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The queued chunks in order, until finish."""
        while not self._drained:
            try:
                chunk = await asyncio.wait_for(self._queue.get(), self.idle_timeout)
            except TimeoutError:
                # The sender vanished without audio-stop: end here, never hang the speaker.
                _LOGGER.warning(
                    "No audio for %s for %.0f s: ending it", self.label, self.idle_timeout
                )
                self._finished = True
                chunk = None
            if chunk is None:
                self._drained = True
                return
            yield chunk

    def complete(self) -> None:
        """Mark the stream as played; waiters wake up."""
        if not self._done.done():
            self._done.set_result(None)


class AudioPlayer:
    """Plays PlaybackStreams one after another on a Speaker in a task of its own."""

    def __init__(
        self, speaker: Speaker | None, *, volume: float = 1.0, lead_in_seconds: float = 0.1
    ) -> None:
        self.speaker = speaker
        self.volume = volume
        self.lead_in_seconds = lead_in_seconds
        self._jobs: asyncio.Queue[PlaybackStream] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._current: PlaybackStream | None = None
        self.played_seconds = 0.0

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

    def open(self, fmt: AudioFormat, label: str) -> PlaybackStream:
        """Queue a new stream; feed it while it plays."""
        stream = PlaybackStream(fmt, label)
        self._jobs.put_nowait(stream)
        return stream

    def play_sound(self, sound: Sound, label: str) -> PlaybackStream:
        """Queue a sound held in memory."""
        stream = self.open(sound.fmt, label)
        stream.feed(sound.pcm)
        stream.finish()
        return stream

    def _drain_jobs(self) -> list[PlaybackStream]:
        streams = []
        while not self._jobs.empty():
            streams.append(self._jobs.get_nowait())
        return streams

    async def _run(self) -> None:
        while True:
            stream = await self._jobs.get()
            self._current = stream
            try:
                await self._play(stream)
            except asyncio.CancelledError:
                stream.complete()
                raise
            except AudioDeviceError as err:
                _LOGGER.warning("Speaker failed while playing %s: %s", stream.label, err)
            except Exception:  # a broken speaker must not stop the satellite
                _LOGGER.exception("Unexpected error while playing %s", stream.label)
            finally:
                self._current = None
            # Whatever the speaker did, nobody may wait forever for `played`.
            async for _rest in stream.chunks():
                pass
            stream.complete()

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
            yield bytes(frames * fmt.bytes_per_frame)
        async for chunk in stream.chunks():
            yield scale_pcm16(chunk, self.volume) if fmt.width == 2 else chunk
