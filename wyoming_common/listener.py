"""The listening sockets of a service and an accept loop that never takes more connections
than the service has file descriptors for.

asyncio's own server accepts up to `backlog` sockets per loop turn before any code of ours
runs, so a burst of clients exhausts the open-file limit before a cap can act (and asyncio
then logs "socket.accept() out of system resource" for every turn). Here each accept waits
for room first; what cannot be accepted waits in the kernel's backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import stat
import time
from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

SocketHandler = Callable[[socket.socket], Awaitable[None]]

BACKLOG = 1024
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


async def _tcp_sockets(host: str | None, port: int) -> list[socket.socket]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    seen: set[tuple[int, object]] = set()
    try:
        for family, kind, proto, _name, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # every address on the port the first one got
                sock.bind((address[0], sockets[0].getsockname()[1], *address[2:]))
            else:
                sock.bind(address)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _unix_socket(path: str) -> socket.socket:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.remove(path)  # a stale socket of a previous run
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
    except OSError:
        sock.close()
        raise
    return sock


class Listener:
    """Bound sockets (not yet listening), then an accept loop gated by `room`."""

    def __init__(self, sockets: list[socket.socket], room: asyncio.Event) -> None:
        self.sockets = sockets
        self._room = room
        self._loops: list[asyncio.Task[None]] = []
        self._warned_at = 0.0
        for sock in sockets:
            sock.setblocking(False)

    @classmethod
    async def tcp(cls, host: str | None, port: int, room: asyncio.Event) -> Listener:
        """Bind host:port (every address it resolves to); OSError when it cannot."""
        return cls(await _tcp_sockets(host, port), room)

    @classmethod
    def unix(cls, path: str, room: asyncio.Event) -> Listener:
        """Bind a Unix socket path."""
        return cls([_unix_socket(path)], room)

    @property
    def port(self) -> int | None:
        """The TCP port bound (the real one when port 0 was asked for)."""
        for sock in self.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                return int(sock.getsockname()[1])
        return None

    def serve(self, handle: SocketHandler, spawn: Callable[[Awaitable[None]], None]) -> None:
        """Listen and accept; spawn(handle(sock)) for every accepted connection (spawn must
        count the socket at once, so that `room` is up to date before the next accept)."""
        for sock in self.sockets:
            sock.listen(BACKLOG)
            self._loops.append(asyncio.create_task(self._accept(sock, handle, spawn)))

    async def _accept(
        self,
        listening: socket.socket,
        handle: SocketHandler,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._room.wait()
            try:
                conn, _address = await loop.sock_accept(listening)
            except OSError as err:
                if err.errno in (errno.EBADF, errno.EINVAL):
                    return  # the socket was closed
                if err.errno in _OUT_OF_RESOURCES:
                    self._out_of_resources(err)
                    await asyncio.sleep(0.5)
                else:  # e.g. a client that reset before we accepted it
                    _LOGGER.debug("accept failed: %s", err)
                continue
            conn.setblocking(False)
            spawn(handle(conn))
            # sock_accept does not yield while the backlog holds connections: without this,
            # a burst is accepted before any earlier connection reaches its first read, and
            # newcomers past the cap find nobody idle to take the place of (refused instead).
            await asyncio.sleep(0)

    def _out_of_resources(self, err: OSError) -> None:
        now = time.monotonic()
        if now - self._warned_at > 10.0:
            self._warned_at = now
            _LOGGER.warning("Cannot accept more connections: %s", err.strerror or err)

    async def close(self) -> None:
        """Stop accepting and close the sockets."""
        for task in self._loops:
            task.cancel()
        if self._loops:
            await asyncio.wait(self._loops, timeout=2.0)
        self._loops.clear()
        for sock in self.sockets:
            sock.close()
