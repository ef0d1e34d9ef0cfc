"""Rendering the systemd unit templates for this installation, and writing them.

The templates live in the repository's `systemd/` folder (an editable install) or in
`wyoming_voice/systemd_units` (a wheel). Rendering fills in the absolute path of the
`wyoming-voice` that runs install-systemd, quoted by systemd's ExecStart rules, the folder of
the environment files and the user name, and drops the template-only header lines. Units are
rewritten when they change; environment files are written only when absent, so a user's edits
are never lost.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("stt", "tts", "llm", "satellite")
GPU_SERVICES = ("stt", "tts", "llm")
TEMPLATE_CHECK = "wyoming-voice-stt.service"
TEMPLATE_ONLY = "# TEMPLATE"  # header lines that make sense in the repository only
HOME_ROOTS = (Path("/home"), Path("/root"), Path("/run/user"))
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")
_FORBIDDEN_IN_PATHS = ('"', "'", "\\", "\n", "\r", "\0")


class InstallError(Exception):
    """Something the user must fix before the units can be installed."""


@dataclass(frozen=True)
class PlannedFile:
    """A file to write: `action` is create, update, unchanged, keep (never overwrite) or remove."""

    path: Path
    content: str
    mode: int
    action: str


def units_dir() -> Path:
    """The folder holding the unit templates (wheel first, then the source tree)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "systemd_units", here.parent / "systemd"):
        if (candidate / TEMPLATE_CHECK).is_file():
            return candidate
    raise InstallError(f"unit templates missing next to {here}: reinstall wyoming-voice")


def find_executable(argv0: str | None = None) -> tuple[str, ...]:
    """The command that starts `wyoming-voice`, as absolute paths.

    The script next to the running Python comes first (the same installation), then PATH,
    then argv[0]; with none of them, `python -m wyoming_voice.cli`.
    """
    python = Path(sys.executable).absolute()
    sibling = python.parent / "wyoming-voice"
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return (str(sibling),)
    found = shutil.which("wyoming-voice")
    if found:
        return (str(Path(found).absolute()),)
    if argv0 and Path(argv0).name == "wyoming-voice" and Path(argv0).is_file():
        return (str(Path(argv0).absolute()),)
    return (str(python), "-m", "wyoming_voice.cli")


def exec_quote(arg: str) -> str:
    """Quote one ExecStart word: specifiers (%) and variables ($) escaped, quoted if needed."""
    if any(char in arg for char in "\n\r\0"):
        raise InstallError(f"a command line word cannot contain a line break: {arg!r}")
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if escaped and not any(char.isspace() or char in "\"'\\;" for char in escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_path(path: Path) -> str:
    """A path for a path-valued directive (EnvironmentFile=, LoadCredential=): % escaped."""
    text = str(path)
    if not path.is_absolute() or any(char in text for char in _FORBIDDEN_IN_PATHS):
        raise InstallError(f"use an absolute path without quotes or backslashes: {text!r}")
    return text.replace("%", "%%")


def readonly_binds(paths: Sequence[Path]) -> list[Path]:
    """The paths (of the Python environment) that lie under a home directory."""
    binds: list[Path] = []
    for path in paths:
        absolute = Path(os.path.abspath(path))
        if any(absolute.is_relative_to(root) for root in HOME_ROOTS) and absolute not in binds:
            binds.append(absolute)
    return binds


def installation_paths(executable: Sequence[str]) -> list[Path]:
    """Folders the service must read: the environment of the executable, Python, the source."""
    first = Path(executable[0])
    paths = [first.parent.parent, Path(sys.prefix), Path(sys.base_prefix)]
    paths.append(Path(__file__).resolve().parents[1])  # the source tree of an editable install
    return paths


def render_unit(
    template: str,
    *,
    executable: Sequence[str],
    env_dir: Path,
    user: str,
    binds: Sequence[Path] = (),
) -> str:
    """Fill in a unit template for this installation."""
    lines = template.splitlines(keepends=True)
    template = "".join(line for line in lines if not line.startswith(TEMPLATE_ONLY))
    text = template.replace("@WYOMING_VOICE@", " ".join(exec_quote(a) for a in executable))
    text = text.replace("@ENV_DIR@", unit_path(env_dir)).replace("@USER@", user)
    if binds:
        quoted = " ".join(f'"{unit_path(path)}"' for path in binds)
        text = text.replace(
            "\nProtectHome=yes\n",
            "\n# wyoming-voice is installed under a home directory: hide the homes but it.\n"
            f"ProtectHome=tmpfs\nBindReadOnlyPaths={quoted}\n",
        )
    leftover = _PLACEHOLDER.findall(text)
    if leftover:
        raise InstallError(f"unrendered placeholders in a unit template: {leftover}")
    return text


def read_existing(path: Path) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InstallError(f"cannot read {path}: {err.strerror}") from err


def replace_plan(path: Path, content: str, mode: int) -> PlannedFile:
    """Write content over the file when it differs (a unit: ours to rewrite)."""
    current = read_existing(path)
    action = "create" if current is None else "unchanged" if current == content else "update"
    return PlannedFile(path, content, mode, action)


def keep_plan(path: Path, content: str, mode: int) -> PlannedFile:
    """Write content only if the file is absent (an env file: the user's once written)."""
    return PlannedFile(path, content, mode, "create" if read_existing(path) is None else "keep")


def apply(plans: Sequence[PlannedFile]) -> None:
    """Write (or remove) the planned files."""
    for plan in plans:
        try:
            if plan.action == "remove":
                plan.path.unlink()
                if not any(plan.path.parent.iterdir()):  # an empty .d folder of ours
                    plan.path.parent.rmdir()
            elif plan.action in ("create", "update"):
                plan.path.parent.mkdir(parents=True, exist_ok=True)
                temporary = plan.path.with_name(f".{plan.path.name}.tmp")
                temporary.write_text(plan.content, encoding="utf-8")
                temporary.chmod(plan.mode)
                temporary.replace(plan.path)
        except PermissionError as err:
            raise InstallError(
                f"permission denied writing {plan.path}: run it as root (sudo), or choose "
                "writable folders with --prefix and --env-dir; --dry-run shows what it writes"
            ) from err
        except OSError as err:
            raise InstallError(f"cannot write {plan.path}: {err.strerror}") from err
