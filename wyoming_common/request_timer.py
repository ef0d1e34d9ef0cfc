"""One connection's request from its start to its terminal event: counted, timed, and
waitable (shutdown lets a request in flight finish)."""

from __future__ import annotations

import asyncio
import time

from .metrics import Metrics


class RequestTimer:
    """At most one request at a time; `begin` and `end` report to the metrics."""

    def __init__(self) -> None:
        self._kind: str | None = None
        self._started = 0.0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self, kind: str, metrics: Metrics) -> None:
        """Mark the start of a request that must end with a terminal event."""
        self._kind = kind
        self._started = time.monotonic()
        self._idle.clear()
        metrics.inc("requests_total", "Requests started", kind=kind)

    def end(self, metrics: Metrics, *, ok: bool = True) -> float:
        """Mark the terminal event as sent; returns the request's seconds (0 without one)."""
        if self._kind is None:
            return 0.0
        seconds = time.monotonic() - self._started
        kind = self._kind
        metrics.observe("request_seconds", seconds, "Request latency", kind=kind)
        if not ok:
            metrics.inc("request_errors_total", "Requests that ended in error", kind=kind)
        self._kind = None
        self._idle.set()
        return seconds

    @property
    def active(self) -> bool:
        """True between begin and end."""
        return self._kind is not None

    def release(self) -> None:
        """Let waiters go (the connection is closing)."""
        self._idle.set()

    async def wait_idle(self) -> None:
        """Wait until no request is in flight."""
        await self._idle.wait()
