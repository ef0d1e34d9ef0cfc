"""Base event handler: describe/ping, validated events read with limits, idle timeout, error
boundary, request timing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler

from . import activity
from .activity import Activity, IdleWatch
from .errors import ProtocolError
from .event_rules import STANDARD_EVENTS, validate_event
from .failures import error_reply, linger_close
from .info import InfoEvents
from .metrics import Metrics
from .request_timer import RequestTimer
from .validation import Field
from .wire import DEFAULT_LIMITS, WireLimits, read_event

_LOGGER = logging.getLogger(__name__)

InfoSource = Callable[[], Info]

DEFAULT_IDLE_TIMEOUT = 60.0
"""Seconds a connection may stay without an event either way and without work in progress."""


class ServiceEventHandler(AsyncEventHandler):
    """One client connection of a service.

    Subclasses implement `handle_request`. Every event is first checked against
    `event_rules` (the standard Wyoming events by default). Anything a handler raises ends
    the connection with an `error {text, code}` event, so no client waits forever for a
    terminal event. A connection with no event either way and no work in progress for
    `idle_timeout` seconds gets `error {code: "idle-timeout"}` and is closed; a client that
    stops reading is dropped once one write has waited that long. `idle_timeout = None`
    opts out (a subclass attribute).
    """

    service = "service"
    idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT
    event_rules: Mapping[str, tuple[Field, ...]] = STANDARD_EVENTS

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
        self._requests = RequestTimer()
        self._closed = False
        self.activity = Activity()
        self._watch = IdleWatch(self.activity)
        self._linger = False  # an error was sent: close gently
        self.info_events = InfoEvents()  # the runner shares one between connections
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
        self._requests.begin(kind, self.metrics)

    def end_request(self, *, ok: bool = True) -> float:
        """Mark the terminal event as sent; returns the request's seconds."""
        return self._requests.end(self.metrics, ok=ok)

    @property
    def in_request(self) -> bool:
        """True between begin_request and end_request."""
        return self._requests.active

    async def wait_idle(self) -> None:
        """Wait until no request is in flight on this connection."""
        await self._requests.wait_idle()

    # -- event I/O ----------------------------------------------------------------------------

    async def write_event(self, event: Event) -> None:
        """Send one event (serialised per connection); a client that does not read for
        idle_timeout seconds counts as gone (ConnectionResetError)."""
        async with self._write_lock:
            if self.writer.is_closing():
                raise ConnectionResetError(f"connection to {self.peer} is closed")
            try:
                async with asyncio.timeout(self.idle_timeout or DEFAULT_IDLE_TIMEOUT):
                    await async_write_event(event, self.writer)
            except TimeoutError as err:
                raise ConnectionResetError(f"{self.peer} stopped reading") from err
        self.activity.touch()

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
        reply = error_reply(self.service, self.peer, err)
        self.end_request(ok=False)
        if reply is not None:
            await self.send_error(*reply)
            self._linger = True

    # -- idle timeout and eviction ------------------------------------------------------------

    @property
    def idle_seconds(self) -> float:
        """Seconds this connection has waited for its client with nothing else going on
        (0 while an event is handled, a request runs in the background or work is done)."""
        watch = self._watch
        if not watch.reading or watch.expiry or self._tasks or self.idle_timeout is None:
            return 0.0
        return self.activity.idle_seconds()

    def expire(self, text: str, code: str) -> bool:
        """Close this connection with `error {text, code}` if it is waiting for its client
        with nothing in progress; False (and nothing done) otherwise."""
        return not self._closed and self._watch.expire(text, code)

    async def _expire(self, text: str, code: str) -> None:
        _LOGGER.debug("%s: closing %s: %s", self.service, self.peer, text)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1.0)
        self.end_request(ok=False)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self.send_error(text, code)

    # -- main loop ----------------------------------------------------------------------------

    async def handle_event(self, event: Event) -> bool:
        """Validate; answer describe and ping here; everything else goes to handle_request."""
        validate_event(event, self.event_rules)
        if Describe.is_type(event.type):
            await self.write_event(self.info_events.event(self._info()))
            return True
        if Ping.is_type(event.type):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
            return True
        return await self.handle_request(event)

    async def _next_event(self) -> Event | None:
        """The next event; TimeoutError when expire() stopped the wait."""
        async with self._watch.waiting():
            event = await read_event(self.reader, self._limits)
        if event is not None:
            self.activity.touch()
        return event

    async def run(self) -> None:
        """Read events until the client leaves, a handler returns False, or an error ends it."""
        self._is_running = True
        activity.bind(self.activity)
        self._watch.start(self.idle_timeout)
        abandon = True  # background requests are cancelled unless we stopped on purpose
        try:
            while self._is_running and not self._closed:
                try:
                    event = await self._next_event()
                except ProtocolError as err:
                    await self._fail(err)
                    break
                except TimeoutError:
                    if self._watch.expiry is None:
                        raise
                    await self._expire(*self._watch.expiry)
                    break
                if event is None:
                    break
                try:
                    with self.activity.working():
                        if not await self.handle_event(event):
                            abandon = False
                            break
                except asyncio.CancelledError:
                    raise
                except Exception as err:  # the boundary
                    await self._fail(err)
                    break
                # Fairness: a client that pipelines thousands of events must not keep the
                # loop from everyone else until its socket runs dry.
                await asyncio.sleep(0)
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
        """Close the connection once (dropped at once if the client stopped reading)."""
        if self._closed:
            return
        self._closed = True
        self._is_running = False
        self._requests.release()
        self._watch.stop()
        try:
            await self.on_disconnect()
        finally:
            if self._linger and not self.writer.is_closing():
                await linger_close(self.reader, self.writer)
            self.writer.close()
            try:
                async with asyncio.timeout(1.0):
                    await self.writer.wait_closed()
            except TimeoutError:
                self.writer.transport.abort()  # unsent data would keep the socket open
            except (ConnectionError, OSError):
                pass

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
