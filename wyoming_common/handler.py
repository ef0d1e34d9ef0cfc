"""Base event handler: describe/ping, size-limited reading, error boundary, request timing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler

from .errors import ProtocolError, WyomingVoiceError
from .metrics import Metrics
from .wire import DEFAULT_LIMITS, WireLimits, read_event

_LOGGER = logging.getLogger(__name__)

InfoSource = Callable[[], Info]


class ServiceEventHandler(AsyncEventHandler):
    """One client connection of a service.

    Subclasses implement `handle_request`. Anything it raises ends the connection with an
    `error {text, code}` event, so no client waits forever for a terminal event.
    """

    service = "service"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        info: InfoSource,
        metrics: Metrics | None = None,
        limits: WireLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(reader, writer)
        self._info = info
        self.metrics = metrics or Metrics()
        # Without injected metrics the runner hands its own in, so requests reach /metrics.
        self.metrics_injected = metrics is not None
        self._limits = limits
        self._write_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._request_kind: str | None = None
        self._request_started = 0.0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "local client"

    # -- to implement ------------------------------------------------------------------------

    async def handle_request(self, event: Event) -> bool:
        """Handle a service-specific event; False closes the connection."""
        raise NotImplementedError

    async def on_disconnect(self) -> None:
        """Release per-connection resources (called once, however the connection ends)."""

    # -- request bookkeeping ------------------------------------------------------------------

    def begin_request(self, kind: str) -> None:
        """Mark the start of a request that must end with a terminal event."""
        self._request_kind = kind
        self._request_started = time.monotonic()
        self._idle.clear()
        self.metrics.inc("requests_total", "Requests started", kind=kind)

    def end_request(self, *, ok: bool = True) -> float:
        """Mark the terminal event as sent; returns the request's seconds."""
        if self._request_kind is None:
            return 0.0
        seconds = time.monotonic() - self._request_started
        kind = self._request_kind
        self.metrics.observe("request_seconds", seconds, "Request latency", kind=kind)
        if not ok:
            self.metrics.inc("request_errors_total", "Requests that ended in error", kind=kind)
        self._request_kind = None
        self._idle.set()
        return seconds

    @property
    def in_request(self) -> bool:
        """True between begin_request and end_request."""
        return self._request_kind is not None

    async def wait_idle(self) -> None:
        """Wait until no request is in flight on this connection."""
        await self._idle.wait()

    # -- event I/O ----------------------------------------------------------------------------

    async def write_event(self, event: Event) -> None:
        """Send one event (serialised per connection)."""
        async with self._write_lock:
            if self.writer.is_closing():
                raise ConnectionResetError(f"connection to {self.peer} is closed")
            await async_write_event(event, self.writer)

    async def send_error(self, text: str, code: str) -> None:
        """Send `error {text, code}`, ignoring a client that is already gone."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.write_event(Error(text=text, code=code).event())

    def start_task(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run a long request in the background so the connection keeps reading events.

        The task gets the same error boundary as handle_event and is cancelled when the
        client disconnects.
        """
        task = asyncio.create_task(self._guard(coro), name=f"{self.service} {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before it first ran never awaited coro: close it quietly.
        task.add_done_callback(lambda done: coro.close() if done.cancelled() else None)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the boundary: every failure becomes an error event
            await self._fail(err)
            await self.close()

    async def _fail(self, err: BaseException) -> None:
        if isinstance(err, WyomingVoiceError):
            _LOGGER.warning("%s: %s from %s: %s", self.service, err.code, self.peer, err)
            text, code = str(err), err.code
        elif isinstance(err, ConnectionError):
            _LOGGER.info("%s: client %s went away: %s", self.service, self.peer, err)
            self.end_request(ok=False)
            return
        else:
            _LOGGER.error("%s: unexpected error for %s", self.service, self.peer, exc_info=err)
            text, code = f"internal error: {err}", "internal-error"
        self.end_request(ok=False)
        await self.send_error(text, code)

    # -- main loop ----------------------------------------------------------------------------

    async def handle_event(self, event: Event) -> bool:
        """Answer describe and ping here; everything else goes to handle_request."""
        if Describe.is_type(event.type):
            await self.write_event(self._info().event())
            return True
        if Ping.is_type(event.type):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
            return True
        return await self.handle_request(event)

    async def run(self) -> None:
        """Read events until the client leaves, a handler returns False, or an error ends it."""
        self._is_running = True
        abandon = True  # background requests are cancelled unless we stopped on purpose
        try:
            while self._is_running and not self._closed:
                try:
                    event = await read_event(self.reader, self._limits)
                except ProtocolError as err:
                    await self._fail(err)
                    break
                if event is None:
                    break
                try:
                    if not await self.handle_event(event):
                        abandon = False
                        break
                except asyncio.CancelledError:
                    raise
                except Exception as err:  # the boundary
                    await self._fail(err)
                    break
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("%s: connection from %s ended: %s", self.service, self.peer, err)
        finally:
            for task in list(self._tasks):
                if abandon:
                    task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.close()

    async def close(self) -> None:
        """Close the connection once."""
        if self._closed:
            return
        self._closed = True
        self._is_running = False
        self._idle.set()
        try:
            await self.on_disconnect()
        finally:
            self.writer.close()
            with contextlib.suppress(TimeoutError, ConnectionError, OSError):
                await asyncio.wait_for(self.writer.wait_closed(), 1.0)

    async def disconnect(self) -> None:
        """Library hook; kept for compatibility with AsyncEventHandler."""
        await self.close()

    async def stop(self) -> None:
        """Stop reading (used by the server on shutdown)."""
        self._is_running = False
        self.reader.feed_eof()

    async def abort(self, text: str, code: str = "shutting-down") -> None:
        """End the connection now; a request in flight gets an error event first."""
        for task in list(self._tasks):
            task.cancel()
        if self.in_request:
            self.end_request(ok=False)
            await self.send_error(text, code)
        await self.close()
