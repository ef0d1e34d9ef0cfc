"""One sound on its way to the speaker (a reply, an announcement, a tone), bounded in memory."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from wyoming_common.audio import AudioFormat

_LOGGER = logging.getLogger(__name__)

MAX_STREAM_BYTES = 16 * 1024 * 1024  # 6 minutes of HA's 22050 Hz replies; more is dropped


class PlaybackStream:
    """One sound on its way to the speaker: feed chunks, finish, then wait until heard.

    At most `max_bytes` wait in memory: a sender flooding the satellite loses the excess
    instead of its memory (issue 14).
    """

    def __init__(
        self,
        fmt: AudioFormat,
        label: str,
        idle_timeout: float = 20.0,
        max_bytes: int = MAX_STREAM_BYTES,
    ) -> None:
        self.fmt = fmt
        self.label = label
        self.idle_timeout = idle_timeout
        self.max_bytes = max_bytes
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._queued_bytes = 0
        self._done = asyncio.get_running_loop().create_future()
        self._finished = False
        self._drained = False
        self.cancelled = False
        self.dropped_bytes = 0
        self.seconds = 0.0

    def feed(self, audio: bytes) -> None:
        """Queue a chunk (ignored after finish or cancel; dropped beyond max_bytes)."""
        if self._finished or not audio:
            return
        if self._queued_bytes + len(audio) > self.max_bytes:
            if not self.dropped_bytes:
                _LOGGER.warning("Too much audio queued for %s: dropping the rest", self.label)
            self.dropped_bytes += len(audio)
            return
        self._queued_bytes += len(audio)
        self.seconds += self.fmt.seconds(len(audio))
        self._queue.put_nowait(audio)

    def finish(self) -> None:
        """No more audio will come; the stream ends after the queued chunks."""
        if not self._finished:
            self._finished = True
            self._queue.put_nowait(None)

    def cancel(self) -> None:
        """Drop what was not played yet and end the stream."""
        self.cancelled = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queued_bytes = 0
        self._finished = True
        self._queue.put_nowait(None)

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
                # Not wait_for: on Python 3.11 it drops a cancel that arrives as the chunk does
                # (a stop word meeting a cancelled stream's end), and the speaker would not
                # know it was cut.
                async with asyncio.timeout(self.idle_timeout):
                    chunk = await self._queue.get()
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
            self._queued_bytes -= len(chunk)
            yield chunk

    def complete(self) -> None:
        """Mark the stream as played; waiters wake up."""
        if not self._done.done():
            self._done.set_result(None)
