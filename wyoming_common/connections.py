"""How many clients a service holds at once, and what the next one hears when it is full."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import time
from dataclasses import dataclass

from wyoming.error import Error
from wyoming.event import async_write_event

from .handler import ServiceEventHandler

_LOGGER = logging.getLogger(__name__)

OPEN_FILES_TARGET = 65536
"""Open-file limit a service asks for at start (the systemd units set LimitNOFILE to it)."""
MAX_CONNECTIONS = 4096
"""Upper bound of the automatic connection cap."""
RESERVED_FILES = 256
"""Descriptors kept for models, logs, pipes, zeroconf and the metrics server."""
HEADROOM = 128
"""Sockets accepted beyond the cap: newcomers being refused, idle ones being closed."""


@dataclass(frozen=True)
class ConnectionLimits:
    """Per-service bounds on connections. None: automatic (cap from the open-file limit) or
    the handler's own idle timeout (60 s unless the handler opted out)."""

    max_connections: int | None = None
    idle_timeout: float | None = None


def raise_open_file_limit(target: int = OPEN_FILES_TARGET) -> int:
    """Lift the soft RLIMIT_NOFILE towards target (never above the hard limit); the soft
    limit in force afterwards. A sandbox that forbids setrlimit keeps what it has."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (OSError, ValueError) as err:
            _LOGGER.debug("Cannot raise the open-file limit from %d: %s", soft, err)
    return int(soft) if soft != resource.RLIM_INFINITY else target


def automatic_cap(open_files: int) -> int:
    """Connections that fit under an open-file limit with room for everything else."""
    return max(16, min(MAX_CONNECTIONS, open_files - RESERVED_FILES))


class ConnectionTable:
    """The live connections of one service, capped.

    When the table is full a new client still gets in if some connection has waited idle
    for its client (the longest-idle one is closed with `error {code: "idle-timeout"}`);
    otherwise the new client gets `error {code: "too-many-connections"}` and is closed.
    """

    def __init__(self, service: str, cap: int) -> None:
        self.service = service
        self.cap = cap
        self.handlers: set[ServiceEventHandler] = set()
        self.refused = 0
        self.evicted = 0
        self._warned_at = 0.0
        self.open_sockets = 0
        self.room = asyncio.Event()
        """Set while another socket may be accepted (open sockets < cap + HEADROOM)."""
        self.room.set()

    def __len__(self) -> int:
        return len(self.handlers)

    def socket_opened(self) -> None:
        """A socket was accepted (admitted or not, it holds a descriptor)."""
        self.open_sockets += 1
        if self.open_sockets >= self.cap + HEADROOM:
            self.room.clear()

    def socket_closed(self) -> None:
        """An accepted socket is closed again."""
        self.open_sockets -= 1
        if self.open_sockets < self.cap + HEADROOM:
            self.room.set()

    def admit(self, handler: ServiceEventHandler) -> bool:
        """Add handler; False when the table is full and nobody could make room."""
        if len(self.handlers) >= self.cap and not self._evict_one():
            self.refused += 1
            now = time.monotonic()
            if now - self._warned_at > 10.0:
                self._warned_at = now
                _LOGGER.warning(
                    "%s: %d connections open (the cap): refusing new clients",
                    self.service,
                    len(self.handlers),
                )
            return False
        self.handlers.add(handler)
        return True

    def discard(self, handler: ServiceEventHandler) -> None:
        """The connection ended."""
        self.handlers.discard(handler)

    def _evict_one(self) -> bool:
        idle = [(handler.idle_seconds, handler) for handler in self.handlers]
        text = f"{self.service} is full and this connection was idle: closing it"
        for _ in range(3):  # the longest-idle one; rarely it just became busy: try the next
            seconds, handler = max(idle, key=lambda pair: pair[0], default=(0.0, None))
            if handler is None or seconds <= 0:
                return False
            if handler.expire(text, "idle-timeout"):
                # It leaves the table as soon as its task ends; the newcomer may briefly
                # make the count cap + 1.
                self.evicted += 1
                return True
            idle.remove((seconds, handler))
        return False

    async def refuse(self, writer: asyncio.StreamWriter) -> None:
        """Tell a client that the service is full, then drop it."""
        error = Error(
            text=f"{self.service} has {self.cap} connections open; try again later",
            code="too-many-connections",
        )
        with contextlib.suppress(ConnectionError, OSError, RuntimeError, TimeoutError):
            async with asyncio.timeout(1.0):
                await async_write_event(error.event(), writer)
        writer.close()
        try:
            async with asyncio.timeout(1.0):
                await writer.wait_closed()
        except TimeoutError:
            writer.transport.abort()
        except (ConnectionError, OSError):
            pass
