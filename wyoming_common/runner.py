"""Runs one Wyoming service: load the engine, listen, advertise, notify systemd, stop cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import urlparse

from wyoming.event import async_get_stdin

from .config import ServiceSettings
from .discovery import ZeroconfAdvertiser
from .errors import ConfigError, WyomingVoiceError
from .handler import ServiceEventHandler
from .metrics import Metrics, MetricsServer
from .sd_notify import notify, watchdog_interval

_LOGGER = logging.getLogger(__name__)

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], ServiceEventHandler]
Loader = Callable[[], Awaitable[None]]


def setup_logging(debug: bool, log_format: str = "%(levelname)s %(name)s: %(message)s") -> None:
    """Configure root logging once for a command."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=log_format)
    if not debug:
        for noisy in (
            "zeroconf",
            "asyncio",
            "huggingface_hub",
            "faster_whisper",
            "httpx",
            "httpx2",
        ):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def run_service(prog: str, main: Coroutine[Any, Any, None]) -> int:
    """asyncio.run(main) for a service command; returns its exit code.

    0 after a clean stop (SIGTERM/SIGINT/Ctrl-C), 2 for a configuration error (systemd units
    do not restart on it), 1 when the service cannot start or run (model, port, hardware).
    """
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        return 0
    except ConfigError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except (WyomingVoiceError, OSError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    return 0


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
    ) -> None:
        self.settings = settings
        self.service = service
        self.metrics = metrics or Metrics()
        self._factory = handler_factory
        self._load = load
        self._grace = shutdown_grace
        self._zeroconf_interfaces = zeroconf_interfaces
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[ServiceEventHandler] = set()
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
        """Load and warm the engine, then accept connections and announce readiness."""
        if self._load is not None:
            started = time.monotonic()
            await self._load()
            _LOGGER.info("%s engine ready in %.2f s", self.service, time.monotonic() - started)

        parsed = urlparse(self.settings.uri)
        if parsed.scheme == "tcp":
            self._server = await asyncio.start_server(
                self._on_connection, host=parsed.hostname, port=parsed.port
            )
            sockname = self._server.sockets[0].getsockname()
            self.host, self.port = parsed.hostname, int(sockname[1])
        elif parsed.scheme == "unix":
            self._server = await asyncio.start_unix_server(self._on_connection, path=parsed.path)
        elif parsed.scheme == "stdio":
            task = asyncio.create_task(self._serve_stdio())
            self._tasks.add(task)
        else:
            raise ValueError(f"unsupported URI {self.settings.uri}")

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
        self._handlers.add(handler)
        self.metrics.inc("connections_total", "Client connections accepted")
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
            self._handlers.discard(handler)
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
        if self._server is not None:
            self._server.close()
        if self._advertiser is not None:
            try:
                await self._advertiser.stop()
            except Exception:  # goodbye is best effort at shutdown
                _LOGGER.exception("Zeroconf goodbye failed")
            self._advertiser = None
        handlers = list(self._handlers)
        if handlers:
            waits = [asyncio.ensure_future(h.wait_idle()) for h in handlers]
            _done, pending = await asyncio.wait(waits, timeout=self._grace)
            for wait in pending:
                wait.cancel()
        for handler in list(self._handlers):
            await handler.abort(f"{self.service} is shutting down")
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
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
        loop = asyncio.get_running_loop()
        stop_requested = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop_requested.set)
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
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(sig)
