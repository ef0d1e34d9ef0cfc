"""`wyoming-voice up --config stack.toml`: the same settings as the flags, in one file.

Every flag is a key, named like the flag without `--` (`stt-model` or `stt_model`), at the top
level or, for a service's own settings, in that service's table:

    services = ["stt", "tts", "llm"]
    hass_url = "http://homeassistant.local:8123"

    [stt]
    model = "small"            # = stt_model = "small" = --stt-model small
    args = ["--beam-size", "5"]

Values have the flag's type (ports are integers, switches true/false); `services` and the
`*_args` may be lists. The file is the weakest layer above the defaults: WYOMING_UP_*
variables and flags override it. It is applied as environment values under the real
environment, so each value goes through the same parsing as WYOMING_UP_X would.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import shlex
import tomllib
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

SERVICE_TABLES = ("stt", "tts", "llm", "satellite")
LIST_KEYS = ("services",)  # a list is joined with commas; *_args lists are quoted for a shell


class ConfigFileError(ValueError):
    """The config file cannot be read or has a wrong key or value; says the file and the key."""


def load_config(path: Path) -> dict[str, Any]:
    """The TOML file's table, flattened: `[stt] model` becomes `stt_model`."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as err:
        raise ConfigFileError(f"--config: cannot read {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigFileError(f"--config: {path} is not valid TOML: {err}") from err
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name in SERVICE_TABLES and isinstance(value, dict):
            for inner, inner_value in value.items():
                _put(
                    flat, f"{name}_{inner.replace('-', '_')}", inner_value, path, f"[{key}] {inner}"
                )
        else:
            _put(flat, name, value, path, key)
    return {"__path__": path, **flat}


def _put(flat: dict[str, Any], name: str, value: Any, path: Path, shown: str) -> None:
    if name in flat:
        raise ConfigFileError(f"{path}: {shown} is set twice")
    flat[name] = (value, shown)


def config_environ(
    cls: type,
    config: Mapping[str, Any],
    env_prefix: str,
    converters: Mapping[str, Callable[[str], Any]] | None = None,
) -> dict[str, str]:
    """The file's settings as PREFIX_NAME variables, each value checked against the field's
    type and its flag's converter (`converters`: field → argparse type) first; ConfigFileError
    names the file and the key (with a close match for a typo)."""
    path = config["__path__"]
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "config"]
    environ: dict[str, str] = {}
    for name, (value, shown) in ((k, v) for k, v in config.items() if k != "__path__"):
        if name not in names:
            match = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {match[0]}?)" if match else ""
            raise ConfigFileError(f"{path}: unknown setting {shown!r}{hint}")
        try:
            typed = _typed(name, value, hints[name])
            text = ("true" if typed else "false") if isinstance(typed, bool) else str(typed)
            convert = (converters or {}).get(name)
            if convert is not None:
                convert(text)
        except (TypeError, ValueError, argparse.ArgumentTypeError) as err:
            raise ConfigFileError(f"{path}: {shown}: {err}") from err
        environ[f"{env_prefix}_{name.upper()}"] = text
    return environ


def _typed(name: str, value: Any, hint: Any) -> Any:
    """The value as the field holds it; TypeError saying what was expected."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        if name in LIST_KEYS:
            return ",".join(value)
        if name.endswith("_args"):
            return shlex.join(value)
    kinds = [kind for kind in typing.get_args(hint) or (hint,) if kind is not type(None)]
    kind = kinds[0]
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    expected = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    raise TypeError(f"expected {expected.get(kind, kind.__name__)}, got {value!r}")
