"""Command-line flags that also read environment variables, parsed once into frozen settings."""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_name(prefix: str, dest: str) -> str:
    """Environment variable for a flag: prefix + upper-case dest (WYOMING_STT_MODEL)."""
    return f"{prefix}_{dest.upper()}"


def read_env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Value of NAME, or the stripped contents of the file named by NAME_FILE."""
    environ = os.environ if environ is None else environ
    if name in environ:
        return environ[name]
    file_name = environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"{name}_FILE", f"cannot read {file_name}: {err.strerror}") from err
    return None


def parse_bool(text: str) -> bool:
    """Parse an environment boolean (1/0, true/false, yes/no, on/off)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {text!r}")


class EnvArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose every flag falls back to an environment variable.

    An explicit flag wins over the environment, which wins over the built-in default.
    `NAME_FILE` reads the value from a file (for secrets given to systemd as credentials).
    """

    def __init__(
        self,
        *args: Any,
        env_prefix: str,
        environ: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)
        self.env_prefix = env_prefix
        self._environ = os.environ if environ is None else environ
        self.env_names: dict[str, str] = {}

    def add_argument(self, *name_or_flags: str, **kwargs: Any) -> argparse.Action:  # type: ignore[override]
        """Add a flag; `env=False` opts out of the environment fallback."""
        use_env = kwargs.pop("env", True)
        action = super().add_argument(*name_or_flags, **kwargs)
        if not use_env or not action.option_strings:
            return action
        name = env_name(self.env_prefix, action.dest)
        self.env_names[action.dest] = name
        action.help = f"{action.help or ''} [env: {name}]".strip()
        try:
            raw = read_env(name, self._environ)
        except ConfigError as err:
            self.error(str(err))
        if raw is not None:
            action.default = self._env_default(action, name, raw)
        return action

    def _env_default(self, action: argparse.Action, name: str, raw: str) -> Any:
        try:
            if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
                value = parse_bool(raw)
                return value if isinstance(action, argparse._StoreTrueAction) else not value
            convert: Callable[[str], Any] = action.type or str  # type: ignore[assignment]
            if action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction):
                return [convert(part) for part in raw.replace(",", " ").split()]
            if action.nargs == "?" and raw == "" and action.const is not None:
                return action.const
            value = convert(raw)
            if action.choices is not None and value not in action.choices:
                raise ValueError(f"must be one of {', '.join(map(str, action.choices))}")
            return value
        except (ValueError, TypeError, argparse.ArgumentTypeError) as err:
            self.error(f"{name}={raw!r} is invalid for {action.option_strings[0]}: {err}")


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


@dataclass(frozen=True)
class ServiceSettings:
    """What every service needs to run: where to listen and how to announce itself."""

    uri: str
    zeroconf_name: str | None
    zeroconf_host: str | None
    metrics_port: int | None
    debug: bool
    log_format: str


def add_service_arguments(
    parser: EnvArgumentParser, *, default_port: int, service: str
) -> None:
    """Flags shared by every service: --uri, --zeroconf, --zeroconf-host, --metrics-port, --debug."""
    group = parser.add_argument_group("service")
    group.add_argument(
        "--uri",
        type=wyoming_uri,
        default=f"tcp://0.0.0.0:{default_port}",
        help="where to listen: tcp://HOST:PORT, unix:///path or stdio://",
    )
    group.add_argument(
        "--zeroconf",
        nargs="?",
        const=default_zeroconf_name(service),
        default=None,
        metavar="NAME",
        help="advertise over zeroconf so Home Assistant discovers the service "
        f"(NAME defaults to {default_zeroconf_name(service)}; tcp:// only)",
    )
    group.add_argument(
        "--zeroconf-host",
        default=None,
        help="address to advertise (default: the address of the default route, never 0.0.0.0)",
    )
    group.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus metrics on this HTTP port (127.0.0.1 unless --metrics-host)",
    )
    group.add_argument("--debug", action="store_true", help="log at DEBUG level")
    group.add_argument(
        "--log-format",
        default="%(asctime)s %(levelname)s %(name)s: %(message)s",
        help="logging format",
    )


def default_zeroconf_name(service: str) -> str:
    """Distinct per service and host, e.g. wyoming-voice-stt-kitchenbox."""
    return f"wyoming-voice-{service}-{socket.gethostname().split('.')[0]}"


def service_settings(args: argparse.Namespace) -> ServiceSettings:
    """Freeze the shared service flags."""
    if args.zeroconf and not str(args.uri).startswith("tcp://"):
        raise ConfigError("--zeroconf", "zeroconf needs a tcp:// --uri")
    return ServiceSettings(
        uri=args.uri,
        zeroconf_name=args.zeroconf,
        zeroconf_host=args.zeroconf_host,
        metrics_port=args.metrics_port,
        debug=bool(args.debug),
        log_format=args.log_format,
    )


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
