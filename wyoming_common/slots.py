"""The engine's seats and its waiting line: a semaphore awaited on the event loop, released
from any thread, with a bounded queue that answers "busy" at once when it is full."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from .errors import BusyError


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = False
    since: float = field(default_factory=time.monotonic)


def _wake(waiter: _Waiter) -> None:
    if not waiter.future.done():
        waiter.future.set_result(None)


class EngineSlots:
    """`size` calls at a time; at most `max_waiting` callers queued behind them.

    Waiting happens on the caller's event loop (no thread is held while queued), so a
    caller that gives up simply leaves the line. A seat is released by whoever ends the work
    (usually the worker thread), which makes an abandoned call keep its seat until the engine
    is really free again.
    """

    def __init__(
        self,
        size: int,
        *,
        max_waiting: int | None = None,
        max_wait: float | None = None,
        name: str = "engine",
    ) -> None:
        if size < 1:
            raise ValueError("an engine needs at least one slot")
        self.size = size
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self.name = name
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[_Waiter] = deque()
        self.rejected = 0
        self._mean_seconds: float | None = None

    @property
    def waiting(self) -> int:
        """Callers queued for a seat."""
        return len(self._waiting)

    @property
    def in_use(self) -> int:
        """Seats taken."""
        return self.size - self._free

    def record(self, seconds: float) -> None:
        """One call's duration, for the expected-wait estimate (moving average)."""
        mean = self._mean_seconds
        self._mean_seconds = seconds if mean is None else 0.8 * mean + 0.2 * seconds

    def expected_wait(self) -> float:
        """Seconds a new caller would wait, estimated from recent call durations."""
        if self._mean_seconds is None:
            return 0.0
        ahead = len(self._waiting) + (self.size - self._free)
        return ahead * self._mean_seconds / self.size

    def _refuse(self) -> str | None:
        if self.max_waiting is not None and len(self._waiting) >= self.max_waiting:
            return f"{self.max_waiting} requests are already waiting"
        if self.max_wait is not None:
            wait = self.expected_wait()
            if wait > self.max_wait:
                return f"the wait would be about {wait:.1f} s"
        return None

    async def acquire(self) -> None:
        """Take a seat, waiting in line; BusyError at once when the line is full."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            reason = self._refuse()
            if reason is not None:
                self.rejected += 1
                raise BusyError(f"{self.name} is busy: {reason}; try again later")
            waiter = _Waiter(loop, loop.create_future())
            self._waiting.append(waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._waiting.remove(waiter)
            if granted:  # the seat arrived as the caller left: hand it on
                self.release()
            raise

    def release(self) -> None:
        """Give a seat back (thread-safe): to the first live waiter, else to the pool."""
        with self._lock:
            while self._waiting:
                waiter = self._waiting.popleft()
                waiter.granted = True
                try:
                    waiter.loop.call_soon_threadsafe(_wake, waiter)
                except RuntimeError:  # that caller's event loop is gone
                    continue
                return
            self._free = min(self.size, self._free + 1)
