"""Settings every service shares, argparse value types, and where flags come from.

Flags are declared once, on settings dataclass fields (`option`, `group`: see options.py) and
read from the command line or the environment (env_args.py).
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from .env_args import CommandParser, EnvArgumentParser, env_name, parse_bool, read_env
from .errors import ConfigError
from .options import group, option, parse_settings

__all__ = [
    "DEFAULT_LOG_FORMAT",
    "CommandParser",
    "EnvArgumentParser",
    "ServiceSettings",
    "client_uri",
    "default_zeroconf_name",
    "env_name",
    "group",
    "option",
    "parse_bool",
    "parse_or_exit",
    "parse_settings",
    "positive_float",
    "positive_int",
    "read_env",
    "service_group",
    "wyoming_uri",
]


def positive_float(text: str) -> float:
    """argparse type: a float > 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an int > 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def wyoming_uri(text: str) -> str:
    """argparse type: tcp://HOST:PORT, unix:///path or stdio://."""
    parsed = urlparse(text)
    if parsed.scheme == "tcp":
        try:
            port = parsed.port
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"invalid port in {text!r}") from err
        if not parsed.hostname or port is None:
            raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT, got {text!r}")
        return text
    if parsed.scheme == "unix" and parsed.path:
        return text
    if parsed.scheme == "stdio":
        return text
    raise argparse.ArgumentTypeError(
        f"expected tcp://HOST:PORT, unix:///path or stdio://, got {text!r}"
    )


def client_uri(text: str) -> str:
    """argparse type: a URI a client can connect to (tcp://HOST:PORT or unix:///path)."""
    try:
        uri: str | None = wyoming_uri(text)
    except (argparse.ArgumentTypeError, ValueError):  # ValueError: e.g. "tcp://[::1"
        uri = None
    if uri is None or uri.startswith("stdio:"):
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT or unix:///path, got {text!r}")
    return uri


DEFAULT_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """What every service needs to run: where to listen and how to announce itself."""

    uri: str = option(
        "tcp://0.0.0.0:0",
        type=wyoming_uri,
        help="where to listen: tcp://HOST:PORT, unix:///path or stdio://",
    )
    zeroconf_name: str | None = option(
        None,
        flag="--zeroconf",
        nargs="?",
        metavar="NAME",
        help="advertise over zeroconf so Home Assistant discovers the service (tcp:// only)",
    )
    zeroconf_host: str | None = option(
        None,
        help="address to advertise (default: the address of the default route, never 0.0.0.0)",
    )
    metrics_port: int | None = option(
        None, type=int, help="serve Prometheus metrics at http://127.0.0.1:PORT/metrics"
    )
    idle_timeout: float = option(
        60.0,
        type=positive_float,
        metavar="SECONDS",
        help="close a connection after this long without an event either way and no work",
    )
    max_connections: int | None = option(
        None,
        type=positive_int,
        metavar="N",
        help="connections at once (default: min(4096, open-file limit - 256))",
    )
    debug: bool = option(False, help="log at DEBUG level")
    log_format: str = option(DEFAULT_LOG_FORMAT, help="logging format")

    def __post_init__(self) -> None:
        if self.zeroconf_name and not str(self.uri).startswith("tcp://"):
            raise ConfigError("--zeroconf", "zeroconf needs a tcp:// --uri")


def service_group(service: str, default_port: int) -> Any:
    """The `service` flags group (--uri, --zeroconf, ...) of one service, on its default port."""
    return group(ServiceSettings, title="service", **_service_overrides(service, default_port))


def _service_overrides(service: str, default_port: int) -> dict[str, dict[str, Any]]:
    name = default_zeroconf_name(service)
    return {
        "uri": {"default": f"tcp://0.0.0.0:{default_port}"},
        "zeroconf_name": {
            "const": name,
            "help": "advertise over zeroconf so Home Assistant discovers the service "
            f"(NAME defaults to {name}; tcp:// only)",
        },
    }


def default_zeroconf_name(service: str) -> str:
    """Distinct per service and host, e.g. wyoming-voice-stt-kitchenbox."""
    return f"wyoming-voice-{service}-{socket.gethostname().split('.')[0]}"


def parse_or_exit(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    build: Callable[[argparse.Namespace], Any],
) -> Any:
    """Parse argv and build settings; a ConfigError becomes a usage error naming the flag."""
    args = parser.parse_args(argv)
    try:
        return build(args)
    except ConfigError as err:
        parser.error(str(err))
