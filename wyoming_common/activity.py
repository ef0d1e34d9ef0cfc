"""What a connection is doing, for the idle timeout: when it last moved an event, and
whether the server is still working for it.

The handler installs its `Activity` in the context of its tasks; `ModelWorker` and anyone
else doing slow work for the current connection (an HTTP call to a remote engine, Home
Assistant) wrap it in `working()`, so a client waiting for a long answer is never taken for
an idle one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar


class Activity:
    """Last event time and a count of work in progress for one connection."""

    def __init__(self) -> None:
        self.last_event = time.monotonic()
        self.busy = 0

    def touch(self) -> None:
        """An event was read or written."""
        self.last_event = time.monotonic()

    def idle_seconds(self, now: float | None = None) -> float:
        """Seconds without an event and without work; 0 while work is in progress."""
        if self.busy:
            return 0.0
        return (time.monotonic() if now is None else now) - self.last_event

    @contextmanager
    def working(self) -> Iterator[None]:
        """The server is busy for this connection for the duration of the block."""
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
            self.touch()  # the idle clock restarts when the work ends


_CURRENT: ContextVar[Activity | None] = ContextVar("wyoming_voice_activity", default=None)


def bind(activity: Activity) -> None:
    """Make activity the current connection's (its tasks inherit it)."""
    _CURRENT.set(activity)


@contextmanager
def working() -> Iterator[None]:
    """Mark slow work done for the current connection (no-op outside a connection)."""
    activity = _CURRENT.get()
    if activity is None:
        yield
        return
    with activity.working():
        yield


class IdleWatch:
    """Ends the wait for a connection's next event once the connection has been idle for
    `timeout` seconds, or when a full service needs its place (`expire`)."""

    def __init__(self, activity: Activity) -> None:
        self.activity = activity
        self.timeout: float | None = None
        self.expiry: tuple[str, str] | None = None
        """(text, code) of the error the client gets, once expired."""
        self._reading: asyncio.Timeout | None = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def reading(self) -> bool:
        """True while the connection waits for its client's next event."""
        return self._reading is not None

    @asynccontextmanager
    async def waiting(self) -> AsyncIterator[None]:
        """Around the read of the next event: TimeoutError when the watch ended it."""
        try:
            async with asyncio.timeout(None) as self._reading:
                yield
        finally:
            self._reading = None

    def start(self, timeout: float | None) -> None:
        """Watch for idleness from now on (None: never)."""
        self.timeout = timeout
        if timeout is not None:
            self._timer = asyncio.get_running_loop().call_later(timeout, self._check)

    def stop(self) -> None:
        """The connection is closing."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.timeout = None

    def expire(self, text: str, code: str) -> bool:
        """End the wait for the next event if the connection waits with nothing in progress;
        False (and nothing done) otherwise."""
        if self._reading is None or self.activity.busy or self.expiry is not None:
            return False
        self.expiry = (text, code)
        self._reading.reschedule(asyncio.get_running_loop().time())
        return True

    def _check(self) -> None:
        self._timer = None
        timeout = self.timeout
        if timeout is None:
            return
        idle = self.activity.idle_seconds()
        text = f"no event for {timeout:.0f} s: closing the connection"
        if idle >= timeout and self.expire(text, "idle-timeout"):
            return
        delay = max(1.0, timeout - idle)
        self._timer = asyncio.get_running_loop().call_later(delay, self._check)
