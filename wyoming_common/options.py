"""Flags declared once, on the frozen settings dataclass they fill.

Each field says its help, type and default with `option(...)`; a field holding another settings
dataclass is a `group(...)` of flags. `settings_parser` generates the argparse options (every
one also read from `PREFIX_FLAG_NAME` in the environment, see env_args) and `parse_settings`
reads them back into the dataclass, whose `__post_init__` may raise `ConfigError(flag, ...)`:

    @dataclass(frozen=True)
    class TtsSettings:
        voice: str | None = option(None, help="default voice, e.g. en_US-lessac-medium")
        data_dirs: tuple[Path, ...] = option((), flag="--data-dir", repeat=True, type=Path,
                                             metavar="DIR", help="folder with voices; repeatable")
        streaming: bool = option(True, help="advertise streaming text input")  # --no-streaming
        service: ServiceSettings = service_group("tts", 10200)

    settings = parse_settings(TtsSettings, argv, prog="wyoming-voice tts", env_prefix="WYOMING_TTS")

A flag's environment variable is named after the flag (`--data-dir` → WYOMING_TTS_DATA_DIR,
`--no-streaming` → WYOMING_TTS_STREAMING), exactly as argparse names its destination.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field
from typing import Any

from .env_args import EnvArgumentParser
from .errors import ConfigError

_OPTION = "wyoming_voice.option"
_GROUP = "wyoming_voice.group"


@dataclass(frozen=True)
class Option:
    """How one settings field appears on the command line."""

    help: str
    flag: str | None = None
    """Default: --field-name, or --no-field-name for a switch that is on by default."""
    type: Callable[[str], Any] | None = None
    choices: tuple[Any, ...] | None = None
    metavar: str | None = None
    repeat: bool = False
    """The flag may be given several times; the field holds a tuple."""
    nargs: str | None = None
    const: Any = None
    secret: bool = False
    env: bool = True
    section: str | None = None
    """Help section; default: the title of the group the field is in."""


@dataclass(frozen=True)
class Group:
    """A field holding another settings dataclass whose fields are flags too."""

    cls: type
    title: str | None
    overrides: Mapping[str, Mapping[str, Any]]


def option(
    default: Any = MISSING,
    *,
    help: str,
    factory: Callable[[], Any] | None = None,
    **details: Any,
) -> Any:
    """A settings field that is also a flag (details: see Option)."""
    metadata = {_OPTION: Option(help=help, **details)}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def group(cls: type, *, title: str | None = None, **overrides: Mapping[str, Any]) -> Any:
    """A field holding settings cls, whose flags join the parser under title.

    overrides: field name → Option details or {"default": ...} that differ here (e.g. the port
    of --uri for each service).
    """
    spec = Group(cls, title, overrides)
    return field(default_factory=lambda: _defaults(spec), metadata={_GROUP: spec})


@dataclass(frozen=True)
class _Flag:
    """One generated flag: where its value goes and how argparse declares it."""

    path: tuple[str, ...]
    dest: str
    flags: tuple[str, ...]
    kwargs: dict[str, Any]
    secret: bool
    env: bool
    section: str | None


def _fields(cls: type) -> Iterator[dataclasses.Field[Any]]:
    yield from (f for f in dataclasses.fields(cls) if _OPTION in f.metadata or _GROUP in f.metadata)


def _field_default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def _defaults(spec: Group) -> Any:
    values = {
        name: override["default"]
        for name, override in spec.overrides.items()
        if "default" in override
    }
    return spec.cls(**values)


def _walk(
    cls: type,
    path: tuple[str, ...] = (),
    section: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[_Flag]:
    overrides = overrides or {}
    for f in _fields(cls):
        if _GROUP in f.metadata:
            spec: Group = f.metadata[_GROUP]
            yield from _walk(spec.cls, (*path, f.name), spec.title or section, spec.overrides)
            continue
        details = dict(overrides.get(f.name, {}))
        default = details.pop("default", _field_default(f))
        opt = dataclasses.replace(f.metadata[_OPTION], **details)
        yield _declare(f.name, opt, default, (*path, f.name), opt.section or section)


def _declare(
    name: str, opt: Option, default: Any, path: tuple[str, ...], section: str | None
) -> _Flag:
    kwargs: dict[str, Any] = {"help": opt.help}
    if isinstance(default, bool) and opt.nargs is None:
        flag = opt.flag or ("--no-" if default else "--") + name.replace("_", "-")
        kwargs.update(action="store_false" if default else "store_true", default=default)
    else:
        flag = opt.flag or "--" + name.replace("_", "-")
        kwargs["default"] = None if opt.repeat else default
        if opt.repeat:
            kwargs["action"] = "append"
        for key in ("type", "choices", "metavar", "nargs"):
            if getattr(opt, key) is not None:
                kwargs[key] = getattr(opt, key)
        if opt.nargs == "?":
            kwargs["const"] = opt.const
    dest = flag.removeprefix("--")
    if kwargs.get("action") == "store_false":
        dest = dest.removeprefix("no-")
    return _Flag(path, dest.replace("-", "_"), (flag,), kwargs, opt.secret, opt.env, section)


def settings_parser(
    cls: type,
    *,
    prog: str,
    env_prefix: str,
    description: str | None = None,
    epilog: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> EnvArgumentParser:
    """An argument parser with one flag per option of cls (and of its groups)."""
    parser = EnvArgumentParser(
        prog=prog, env_prefix=env_prefix, description=description, epilog=epilog, environ=environ
    )
    add_flags(parser, cls)
    return parser


def add_flags(
    parser: EnvArgumentParser,
    cls: type,
    *,
    title: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Add the flags of cls to a parser (under title, with per-field overrides)."""
    sections: dict[str | None, Any] = {None: parser}
    if title is not None:
        sections[title] = parser.add_argument_group(title)
    for flag in _walk(cls, section=title, overrides=overrides):
        if flag.section not in sections:
            sections[flag.section] = parser.add_argument_group(flag.section)
        sections[flag.section].add_argument(
            *flag.flags, dest=flag.dest, secret=flag.secret, env=flag.env, **flag.kwargs
        )


def read_settings(cls: type, args: argparse.Namespace) -> Any:
    """The settings dataclass from parsed flags (ConfigError from its checks propagates)."""
    flags = {flag.path: flag for flag in _walk(cls)}
    return _build(cls, (), args, flags)


def _build(
    cls: type, path: tuple[str, ...], args: argparse.Namespace, flags: Mapping[Any, _Flag]
) -> Any:
    values: dict[str, Any] = {}
    for f in _fields(cls):
        here = (*path, f.name)
        if _GROUP in f.metadata:
            values[f.name] = _build(f.metadata[_GROUP].cls, here, args, flags)
            continue
        value = getattr(args, flags[here].dest)
        if value is None and flags[here].kwargs.get("action") == "append":
            continue  # not given: the field's own default
        values[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**values)


def parse_settings(
    cls: type,
    argv: Sequence[str] | None,
    *,
    prog: str,
    env_prefix: str,
    description: str | None = None,
    epilog: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """Parse argv (and the environment) into cls; a bad value exits 2 naming the flag."""
    parser = settings_parser(
        cls,
        prog=prog,
        env_prefix=env_prefix,
        description=description,
        epilog=epilog,
        environ=environ,
    )
    try:
        return read_settings(cls, parser.parse_args(argv))
    except ConfigError as err:
        parser.error(str(err))
