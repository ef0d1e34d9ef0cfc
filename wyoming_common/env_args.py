"""Command-line flags that fall back to environment variables (`NAME_FILE` reads a file), with
help and usage errors written for people: one error line, a hint, and suggestions for typos.

How a variable's text becomes a flag's value:
- switches (`--debug`, `--no-cache`): 1/true/yes/on or 0/false/no/off (empty is off);
- a flag whose value is optional (`--zeroconf [NAME]`): empty or 1/true/yes/on is the flag
  alone, 0/false/no/off leaves it off, anything else is the value (`=kitchen`);
- a repeatable flag or one taking several values: a list. Paths (`type=Path`) are separated
  by commas, `os.pathsep` (`:` as in PATH) or newlines, never by spaces, so
  `/srv/my voices,/usr/share/piper` is two folders; other values by commas, spaces or
  newlines (`light.a, light.b`).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Any, NoReturn

from .errors import ConfigError

ENV_HELP = f"""\
environment: the variable named after env: sets its flag (with _FILE appended: read from
that file); an explicit flag wins. Switches take 1/true/yes/on or 0/false/no/off. A flag
with an optional value (--zeroconf [NAME]) is on when empty or 1/true/yes/on, off when
0/false/no/off, else the value. Lists: paths are separated by commas or {os.pathsep!r}
(never spaces), other values by commas or spaces.
"""

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


def is_path_type(convert: Any) -> bool:
    """Whether a flag's type makes paths (Path and its kind)."""
    return isinstance(convert, type) and issubclass(convert, PurePath)


def split_env_list(raw: str, *, paths: bool = False) -> list[str]:
    """The items of a list in one variable: paths split on commas, os.pathsep or newlines
    (a space belongs to the name), other values on commas, spaces or newlines; empty items
    are dropped."""
    if paths:
        items = raw.replace(",", "\n").replace(os.pathsep, "\n").splitlines()
    else:
        items = raw.replace(",", " ").split()
    return [item.strip() for item in items if item.strip()]


def parse_bool(text: str) -> bool:
    """Parse an environment boolean (1/0, true/false, yes/no, on/off)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {text!r}")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; `(default: X)` only where X means something.

    On/off switches never show a default ("--no-zeroconf (default: True)" reads wrongly), and
    neither do options whose default is "not set".
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "%(default)" in text or action.default in (None, argparse.SUPPRESS, [], ()):
            return text
        if action.nargs == 0 or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


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
        kwargs.setdefault("formatter_class", HelpFormatter)
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

    def format_help(self) -> str:
        """argparse's help, then how the environment variables are written."""
        text = super().format_help()
        return f"{text}\n{ENV_HELP}" if self.env_names else text

    def error(self, message: str) -> NoReturn:
        """One line that says what is wrong (and a close match for a typo), then a hint.

        argparse's default buries that line under the whole usage text.
        """
        hint = self._suggestion(message)
        print(f"{self.prog}: error: {message}{hint}", file=sys.stderr)
        print(f"(`{self.prog} --help` lists every option)", file=sys.stderr)
        raise SystemExit(2)

    def _suggestion(self, message: str) -> str:
        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return ""
        known = [flag for action in self._actions for flag in action.option_strings]
        for word in message[len(prefix) :].split():
            if word.startswith("--"):
                match = difflib.get_close_matches(word.split("=", 1)[0], known, n=1)
                if match:
                    return f" (did you mean {match[0]}?)"
        return ""

    def _env_default(self, action: argparse.Action, name: str, raw: str) -> Any:
        try:
            if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
                # The variable is named after dest, so it holds dest's value: for
                # `--no-cache` (dest cache, store_false) PREFIX_CACHE=0 turns caching off.
                return parse_bool(raw)
            convert: Callable[[str], Any] = action.type or str  # type: ignore[assignment]
            if _is_list(action):
                items = split_env_list(raw, paths=is_path_type(convert))
                return [convert(item) for item in items]
            if action.nargs == "?" and action.const is not None:
                switch = raw.strip().lower()
                if switch == "" or switch in _TRUE:
                    return action.const  # as the flag alone
                if switch in _FALSE:
                    return None  # off, whatever the flag's default
            value = convert(raw)
            if action.choices is not None and value not in action.choices:
                raise ValueError(f"must be one of {', '.join(map(str, action.choices))}")
            return value
        except (ValueError, TypeError, argparse.ArgumentTypeError) as err:
            self.error(f"{name}={raw!r} is invalid for {action.option_strings[0]}: {err}")


def _is_list(action: argparse.Action) -> bool:
    return action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction)


class CommandParser(EnvArgumentParser):
    """A one-shot command's parser (describe, synthesize, bench ...): the same one-line usage
    errors with suggestions, and no environment fallback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("env_prefix", "")
        super().__init__(*args, **kwargs)

    def _env_fallback(
        self, action: argparse.Action, use_env: bool, secret: bool = False
    ) -> argparse.Action:
        return super()._env_fallback(action, False, secret)
