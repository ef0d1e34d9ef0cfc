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
        # Set before super().__init__, which adds --help through our add_argument.
        self.env_prefix = env_prefix
        self._environ = os.environ if environ is None else environ
        self.env_names: dict[str, str] = {}
        self._env_lists: set[argparse.Action] = set()  # append flags with an env default
        super().__init__(*args, **kwargs)

    def add_argument(self, *name_or_flags: str, **kwargs: Any) -> argparse.Action:  # type: ignore[override]
        """Add a flag; `env=False` opts out of the environment fallback.

        `secret=True` keeps the value (possibly read from the environment) out of --help.
        """
        use_env = kwargs.pop("env", True)
        secret = kwargs.pop("secret", False)
        action = super().add_argument(*name_or_flags, **kwargs)
        return self._env_fallback(action, use_env, secret)

    def add_argument_group(self, *args: Any, **kwargs: Any) -> Any:
        """A group whose flags get the same environment fallback as the parser's."""
        return self._env_container(super().add_argument_group(*args, **kwargs))

    def add_mutually_exclusive_group(self, **kwargs: Any) -> Any:
        """A mutually exclusive group whose flags get the environment fallback."""
        return self._env_container(super().add_mutually_exclusive_group(**kwargs))

    def _env_container(self, group: Any) -> Any:
        # argparse groups add actions without calling the parser's add_argument.
        plain_add = group.add_argument

        def add_argument(*name_or_flags: str, **kwargs: Any) -> argparse.Action:
            use_env = kwargs.pop("env", True)
            secret = kwargs.pop("secret", False)
            return self._env_fallback(plain_add(*name_or_flags, **kwargs), use_env, secret)

        group.add_argument = add_argument
        return group

    def _env_fallback(
        self, action: argparse.Action, use_env: bool, secret: bool = False
    ) -> argparse.Action:
        if secret:
            # "%(default).0s" renders as nothing and stops the formatter adding the default.
            action.help = f"{action.help or ''} (value hidden)%(default).0s".strip()
        if (
            not use_env
            or not action.option_strings
            or isinstance(action, argparse._HelpAction | argparse._VersionAction)
        ):
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
            if isinstance(action, argparse._AppendAction):
                self._env_lists.add(action)
        return action

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        """Parse; an explicit append flag replaces an environment list instead of extending it."""
        env_lists = {action: action.default for action in self._env_lists}
        for action in env_lists:
            action.default = None
        try:
            parsed, extras = super().parse_known_args(args, namespace)
        finally:
            for action, default in env_lists.items():
                action.default = default
        for action, default in env_lists.items():
            if getattr(parsed, action.dest, None) is None:
                setattr(parsed, action.dest, list(default) if default is not None else None)
        return parsed, extras

    def _env_default(self, action: argparse.Action, name: str, raw: str) -> Any:
        try:
            if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
                # The variable is named after dest, so it holds dest's value: for
                # `--no-cache` (dest cache, store_false) PREFIX_CACHE=0 turns caching off.
                return parse_bool(raw)
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


def add_service_arguments(parser: EnvArgumentParser, *, default_port: int, service: str) -> None:
    """Flags every service shares: --uri, --zeroconf, --zeroconf-host, --metrics-port, --debug."""
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
        help="serve Prometheus metrics at http://127.0.0.1:PORT/metrics",
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
