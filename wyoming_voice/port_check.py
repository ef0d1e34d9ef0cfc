"""Is a TCP port free to listen on, held by a Wyoming service, or taken by something else?

`up` asks before it starts anything (a service binds only after its engine loaded, which can
take minutes), `doctor` for its report.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.discovery import is_unspecified

from .probes import summarize_info

DESCRIBE_TIMEOUT = 2.0


@dataclass(frozen=True)
class PortState:
    """`free`, `wyoming` (a Wyoming service answers there), `taken` (something else) or
    `error` (cannot bind for another reason: no such address, permission)."""

    port: int
    state: str
    detail: str = ""

    @property
    def usable(self) -> bool:
        """True when a service could listen there now."""
        return self.state == "free"


def try_bind(host: str, port: int) -> OSError | None:
    """Bind (as the services do, with SO_REUSEADDR) and release; the error when that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            return err
    return None


async def check_port(host: str, port: int) -> PortState:
    """What holds host:port (a describe round trip tells a Wyoming service from others)."""
    err = try_bind(host, port)
    if err is None:
        return PortState(port, "free")
    if err.errno != errno.EADDRINUSE:
        return PortState(port, "error", err.strerror or str(err))
    connect = "127.0.0.1" if is_unspecified(host) or not host else host
    connect = f"[{connect}]" if ":" in connect else connect
    try:
        info = await describe(f"tcp://{connect}:{port}", timeout=DESCRIBE_TIMEOUT)
    except ServiceUnavailableError:  # e.g. an HTTP server
        return PortState(port, "taken", "a program that is not a Wyoming service")
    summary = "; ".join(summarize_info(info, short=True)) or "no programs"
    return PortState(port, "wyoming", f"a Wyoming service ({summary})")


def who_command(port: int) -> str:
    """The command that shows which process listens on port."""
    return f"ss -ltnp 'sport = :{port}'"
