"""The default TCP port of each kind of service, in one place."""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlparse

from .errors import ConfigError

STT_PORT = 10300
TTS_PORT = 10200
LLM_PORT = 10500
SATELLITE_PORT = 10700
WAKE_PORT = 10400

DEFAULT_PORTS: dict[str, int] = {
    "stt": STT_PORT,
    "tts": TTS_PORT,
    "llm": LLM_PORT,
    "satellite": SATELLITE_PORT,
    "wake": WAKE_PORT,
}


def default_port(service: str) -> int:
    """The conventional port of a service ("stt", "tts", "llm", "satellite", "wake")."""
    return DEFAULT_PORTS[service]


def listen_uri(service: str, host: str = "0.0.0.0") -> str:
    """Where a service listens by default: tcp://0.0.0.0:PORT."""
    return f"tcp://{host}:{DEFAULT_PORTS[service]}"


def local_uri(service: str) -> str:
    """Where a client on the same machine finds the service: tcp://127.0.0.1:PORT."""
    return listen_uri(service, "127.0.0.1")


def bind_error(
    err: OSError, host: str | None, port: int | None, flag: str = "--uri"
) -> ConfigError:
    """One line naming the port and the flag for a socket that cannot be bound."""
    where = f"{host or '0.0.0.0'}:{port}"
    if err.errno == errno.EADDRINUSE:
        text = (
            f"port {port} is already in use on {host or '0.0.0.0'} (another program, or "
            f"another copy of this service, listens there): stop it or pick another port with "
            f"{flag} tcp://HOST:PORT"
        )
    elif err.errno == errno.EADDRNOTAVAIL:
        text = f"{host} is not an address of this machine: use 0.0.0.0 or one of its addresses"
    elif err.errno == errno.EACCES:
        text = f"not allowed to listen on {where} (ports below 1024 need privileges)"
    else:
        text = f"cannot listen on {where}: {err.strerror or err}"
    return ConfigError(flag, text)


def check_port_free(uri: str, flag: str = "--uri") -> None:
    """ConfigError naming the flag when a tcp:// URI's port cannot be bound right now.

    For programs that want to fail before a long model load (`up` checks every port first).
    """
    parsed = urlparse(uri)
    if parsed.scheme != "tcp" or parsed.port is None:
        return
    host = parsed.hostname or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Same option as asyncio's server: a port in TIME_WAIT is free for us.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, parsed.port))
        except OSError as err:
            raise bind_error(err, host, parsed.port, flag) from err
