"""Runs one Wyoming service: load the engine, listen, advertise, notify systemd, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from wyoming.event import async_get_stdin

from .config import ServiceSettings
from .connections import ConnectionLimits, ConnectionTable, automatic_cap, raise_open_file_limit
from .discovery import ZeroconfAdvertiser
from .errors import ConfigError
from .handler import ServiceEventHandler
from .info import InfoEvents
from .listener import Listener
from .memory import MemoryReturner
from .metrics import Metrics, MetricsServer
from .ports import bind_error
from .sd_notify import notify, watchdog_interval
from .signals import stop_on_signals

_LOGGER = logging.getLogger(__name__)

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], ServiceEventHandler]
Loader = Callable[[], Awaitable[None]]


class ServiceRunner:
    """Owns the listening socket, the connections, zeroconf and the systemd notifications."""

    def __init__(
        self,
        settings: ServiceSettings,
        handler_factory: HandlerFactory,
        *,
        service: str,
        load: Loader | None = None,
        metrics: Metrics | None = None,
        shutdown_grace: float = 10.0,
        zeroconf_interfaces: list[str] | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.metrics = metrics or Metrics()
        self._factory = handler_factory
        self._load = load
        self._grace = shutdown_grace
        self._zeroconf_interfaces = zeroconf_interfaces
        self._listener: Listener | None = None
        self.limits = limits or ConnectionLimits(
            max_connections=settings.max_connections,
            idle_timeout=settings.idle_timeout,
        )
        self.connections = ConnectionTable(service, self.limits.max_connections or 1)
        self.memory = MemoryReturner()
        """Gives freed memory back (after the load, and after connections end)."""
        self._info_events = InfoEvents()
        self._tasks: set[asyncio.Task[None]] = set()
        self._advertiser: ZeroconfAdvertiser | None = None
        self._metrics_server: MetricsServer | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self.port: int | None = None
        self.host: str | None = None

    @property
    def uri(self) -> str:
        """Where clients connect (with the real port when the URI asked for port 0)."""
        parsed = urlparse(self.settings.uri)
        if parsed.scheme == "tcp":
            host = self.host or parsed.hostname
            connect_host = "127.0.0.1" if host in ("0.0.0.0", "", None) else host
            return f"tcp://{connect_host}:{self.port}"
        return self.settings.uri

    async def start(self) -> None:
        """Bind, load and warm the engine, then accept connections and announce readiness.

        The port is bound (not listening) before the load, so a port in use fails at once
        instead of after a minutes-long model load.
        """
        self._prepare_limits()
        await self._bind()
        try:
            if self._load is not None:
                started = time.monotonic()
                await self._load()
                # What loading held only for a while (files read, warm-up buffers) goes back
                # now, not after the first connection (Whisper base server: 338 -> 224 MB).
                await asyncio.to_thread(self.memory.trim)
                _LOGGER.info("%s engine ready in %.2f s", self.service, time.monotonic() - started)
        except BaseException:
            await self._close_listener()
            raise
        if self._listener is not None:
            self._listener.serve(self._on_socket, self._spawn)
        elif urlparse(self.settings.uri).scheme == "stdio":
            task = asyncio.create_task(self._serve_stdio())
            self._tasks.add(task)

        if self.settings.zeroconf_name and self.port is not None:
            self._advertiser = ZeroconfAdvertiser(
                self.settings.zeroconf_name,
                self.port,
                host=self.settings.zeroconf_host,
                bind_host=self.host,
                interfaces=self._zeroconf_interfaces,
            )
            try:
                await self._advertiser.start()
            except Exception:  # discovery is a convenience: keep serving without it
                _LOGGER.exception("Zeroconf advertising failed; continuing without it")
                self._advertiser = None

        if self.settings.metrics_port is not None:
            self._metrics_server = MetricsServer(self.metrics, self.settings.metrics_port)
            await self._metrics_server.start()

        _LOGGER.info("%s ready at %s", self.service, self.uri)
        notify(f"READY=1\nSTATUS={self.service} ready at {self.uri}")
        interval = watchdog_interval()
        if interval is not None:
            self._watchdog = asyncio.create_task(self._feed_watchdog(interval))

    def _prepare_limits(self) -> None:
        self.memory.configure()
        open_files = raise_open_file_limit()
        cap = self.limits.max_connections or automatic_cap(open_files)
        self.connections.cap = cap
        _LOGGER.debug(
            "%s: up to %d connections (open-file limit %d)", self.service, cap, open_files
        )

    async def _bind(self) -> None:
        parsed = urlparse(self.settings.uri)
        room = self.connections.room
        try:
            if parsed.scheme == "tcp":
                self._listener = await Listener.tcp(parsed.hostname, parsed.port or 0, room)
                self.host, self.port = parsed.hostname, self._listener.port
            elif parsed.scheme == "unix":
                self._listener = Listener.unix(parsed.path, room)
            elif parsed.scheme != "stdio":
                raise ConfigError("--uri", f"unsupported URI {self.settings.uri}")
        except OSError as err:
            if parsed.scheme == "tcp":
                raise bind_error(err, parsed.hostname, parsed.port) from err
            raise ConfigError("--uri", f"cannot listen on {parsed.path}: {err.strerror}") from err

    async def _close_listener(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None

    def _spawn(self, work: Awaitable[None]) -> None:
        # Counted here, synchronously after accept(): the accept loop checks for room
        # before its next accept, before the task below has run.
        self.connections.socket_opened()
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_socket(self, sock: socket.socket) -> None:
        try:
            reader, writer = await asyncio.open_connection(sock=sock)
        except OSError:
            sock.close()
            self.connections.socket_closed()
            return
        try:
            await self._on_connection(reader, writer)
        finally:
            self.connections.socket_closed()

    async def _feed_watchdog(self, interval: float) -> None:
        # Pings come from the event loop itself, so a blocked loop stops them and systemd
        # restarts the service.
        while True:
            notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        handler = self._factory(reader, writer)
        if not handler.metrics_injected:
            handler.metrics = self.metrics
        handler.info_events = self._info_events
        if self.limits.idle_timeout is not None and handler.idle_timeout is not None:
            handler.idle_timeout = self.limits.idle_timeout
        self.metrics.inc("connections_total", "Client connections accepted")
        if not self.connections.admit(handler):
            self.metrics.inc("connections_refused_total", "Clients refused: connection cap")
            await self.connections.refuse(writer)
            return
        # A task of its own, so stop() can cancel a request handled inline that outlived
        # the grace period; waiting on it (not awaiting it) keeps this connection task from
        # ending cancelled, which asyncio's stream callback logs as an error on 3.11.
        run = asyncio.create_task(handler.run(), name=f"{self.service} {handler.peer}")
        self._tasks.add(run)
        try:
            await asyncio.wait([run])
        except asyncio.CancelledError:
            run.cancel()
            raise
        finally:
            self._tasks.discard(run)
            self.connections.discard(handler)
            self.memory.connection_ended()
        failure = None if run.cancelled() else run.exception()
        if failure is not None:
            _LOGGER.error("%s: connection %s failed", self.service, handler.peer, exc_info=failure)

    async def _serve_stdio(self) -> None:
        loop = asyncio.get_running_loop()
        reader = await async_get_stdin()
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, sys.stdout.buffer
        )
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        await self._on_connection(reader, writer)
        self._stopped.set()

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (within the grace period), clean up."""
        notify("STOPPING=1")
        if self._listener is not None:
            await self._listener.close()
        if self._advertiser is not None:
            try:
                await self._advertiser.stop()
            except Exception:  # goodbye is best effort at shutdown
                _LOGGER.exception("Zeroconf goodbye failed")
            self._advertiser = None
        handlers = list(self.connections.handlers)
        if handlers:
            waits = [asyncio.ensure_future(h.wait_idle()) for h in handlers]
            _done, pending = await asyncio.wait(waits, timeout=self._grace)
            for wait in pending:
                wait.cancel()
        for handler in list(self.connections.handlers):
            await handler.abort(f"{self.service} is shutting down")
        await self._close_listener()
        self.memory.cancel()
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        if self._metrics_server is not None:
            await self._metrics_server.stop()
        self._stopped.set()
        _LOGGER.info("%s stopped", self.service)

    async def run_forever(self) -> None:
        """start(), wait for SIGTERM/SIGINT (or stdin closing for stdio://), stop()."""
        with stop_on_signals(asyncio.Event()) as stop_requested:
            try:
                await self.start()
                waiters = [
                    asyncio.ensure_future(stop_requested.wait()),
                    asyncio.ensure_future(self._stopped.wait()),
                ]
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
                _LOGGER.info("%s shutting down", self.service)
            finally:
                await self.stop()
