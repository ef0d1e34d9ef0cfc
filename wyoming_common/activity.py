"""What a connection is doing, for the idle timeout: when it last moved an event, and
whether the server is still working for it.

The handler installs its `Activity` in the context of its tasks; `ModelWorker` and anyone
else doing slow work for the current connection (an HTTP call to a remote engine, Home
Assistant) wrap it in `working()`, so a client waiting for a long answer is never taken for
an idle one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
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
