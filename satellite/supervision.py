"""Keeps the satellite's audio loop alive: a failure in one block is logged and survived, a
failure that keeps coming back stops the satellite with an error so systemd restarts it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from .errors import SatelliteError

_LOGGER = logging.getLogger(__name__)

Block = TypeVar("Block")


class AudioLoopError(SatelliteError):
    """The audio loop failed again and again (or stopped): the satellite is deaf."""

    code = "audio-loop-failed"


class LoopSupervisor:
    """Counts the audio loop's failures.

    Each kind of failure (exception class) is logged at ERROR with its traceback the first
    time, then at DEBUG: a broken model must not fill the journal at 50 blocks a second.
    `max_failures` failures within `window` seconds mean the failure persists."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self.failures = 0
        self.by_kind: dict[str, int] = {}
        self._recent: deque[float] = deque()
        self._gave_up = asyncio.Event()
        self.error: AudioLoopError | None = None

    async def run(
        self,
        blocks: AsyncIterator[Block],
        handle: Callable[[Block], Awaitable[None]],
        recover: Callable[[], Awaitable[None]],
    ) -> None:
        """handle(block) for every block; after a failure, recover() and go on (until the
        failures persist: AudioLoopError). CancelledError is no Exception: it stops the loop."""
        async for block in blocks:
            try:
                await handle(block)
            except Exception as err:
                self.failed(err)
                await recover()
        raise AudioLoopError("the microphone stream ended")

    def watch(self, task: asyncio.Task[None]) -> None:
        """The loop's task: when it ends other than by cancellation, the satellite is deaf."""
        task.add_done_callback(self._ended)

    async def wait_failed(self) -> AudioLoopError:
        """Wait until the watched loop gave up; the error to exit with."""
        await self._gave_up.wait()
        assert self.error is not None
        return self.error

    def _ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        err = task.exception()
        if not isinstance(err, AudioLoopError):
            _LOGGER.error("Audio loop stopped", exc_info=err)
            err = AudioLoopError(f"the audio loop stopped: {err!r}")
        self.error = err
        self._gave_up.set()

    def failed(self, err: Exception) -> None:
        """Record a failure; raises AudioLoopError when failures persist."""
        kind = type(err).__name__
        self.failures += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if self.by_kind[kind] == 1:
            _LOGGER.error(
                "Audio loop failed (%s); the satellite goes on listening", kind, exc_info=err
            )
        else:
            _LOGGER.debug("Audio loop failed again (%s #%d): %s", kind, self.by_kind[kind], err)
        now = self.clock()
        self._recent.append(now)
        while self._recent and now - self._recent[0] > self.window:
            self._recent.popleft()
        if len(self._recent) >= self.max_failures:
            message = (
                f"the audio loop failed {len(self._recent)} times within {self.window:.0f} s "
                f"(last: {kind}: {err}); stopping so that the service is restarted"
            )
            _LOGGER.error("%s", message)
            raise AudioLoopError(message) from err
