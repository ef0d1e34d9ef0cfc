"""`wyoming-voice install-systemd`: render the unit templates for this installation, install them.

The templates live in the repository's `systemd/` folder (an editable install) or in
`wyoming_voice/systemd_units` (a wheel). Rendering fills in the absolute path of the
`wyoming-voice` that runs this command, quoted by systemd's ExecStart rules, the folder of the
environment files and the user name. Units are rewritten when they change; environment files
are written only when absent, so a user's edits are never lost.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import EnvArgumentParser

SERVICES = ("stt", "tts", "llm", "satellite")
GPU_SERVICES = ("stt", "tts", "llm")
TEMPLATE_CHECK = "wyoming-voice-stt.service"
HOME_ROOTS = (Path("/home"), Path("/root"), Path("/run/user"))
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")
_USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,30}")
_FORBIDDEN_IN_PATHS = ('"', "'", "\\", "\n", "\r", "\0")


class InstallError(Exception):
    """Something the user must fix before the units can be installed."""


@dataclass(frozen=True)
class InstallSettings:
    """What to install, and where."""

    services: tuple[str, ...]
    prefix: Path
    env_dir: Path
    user: str
    executable: tuple[str, ...]
    gpu: bool
    enable: bool
    now: bool
    dry_run: bool


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


def plan_files(settings: InstallSettings, templates: Path) -> list[PlannedFile]:
    """Every file this run would touch, with what it would do to it."""
    binds = readonly_binds(installation_paths(settings.executable))
    plans: list[PlannedFile] = []
    for service in settings.services:
        unit = f"wyoming-voice-{service}.service"
        content = render_unit(
            (templates / unit).read_text(encoding="utf-8"),
            executable=settings.executable,
            env_dir=settings.env_dir,
            user=settings.user,
            binds=binds,
        )
        plans.append(_replace(settings.prefix / unit, content, 0o644))
        env = (templates / f"{service}.env").read_text(encoding="utf-8")
        env = env.replace("@ENV_DIR@", str(settings.env_dir))
        plans.append(_keep(settings.env_dir / f"{service}.env", env, 0o640))
        if service in GPU_SERVICES:
            dropin = settings.prefix / f"{unit}.d" / "gpu.conf"
            gpu = (templates / "gpu.conf").read_text(encoding="utf-8")
            if settings.gpu:
                plans.append(_replace(dropin, gpu, 0o644))
            elif _read(dropin) == gpu:  # ours, unchanged: the user asked for no GPU now
                plans.append(PlannedFile(dropin, gpu, 0o644, "remove"))
    return plans


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InstallError(f"cannot read {path}: {err.strerror}") from err


def _replace(path: Path, content: str, mode: int) -> PlannedFile:
    current = _read(path)
    action = "create" if current is None else "unchanged" if current == content else "update"
    return PlannedFile(path, content, mode, action)


def _keep(path: Path, content: str, mode: int) -> PlannedFile:
    return PlannedFile(path, content, mode, "create" if _read(path) is None else "keep")


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


def systemctl_commands(settings: InstallSettings, *, start: bool) -> list[list[str]]:
    """daemon-reload, then enable (and start, if `start`) the units."""
    units = [f"wyoming-voice-{service}.service" for service in settings.services]
    enable = ["systemctl", "enable", *(["--now"] if start else []), *units]
    return [["systemctl", "daemon-reload"], enable]


def run_commands(commands: Sequence[Sequence[str]], out: Callable[[str], None]) -> int:
    """Run systemctl; the first failure stops and returns its exit code."""
    for command in commands:
        out("+ " + " ".join(command))
        try:
            result = subprocess.run(list(command), check=False)
        except FileNotFoundError:
            out(f"error: {command[0]} not found: is this a systemd system?")
            return 1
        if result.returncode != 0:
            out(f"error: {' '.join(command)} failed with exit code {result.returncode}")
            return result.returncode
    return 0


def build_parser(prog: str) -> EnvArgumentParser:
    """The install-systemd flags."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix="WYOMING_VOICE_INSTALL",
        description="Install one systemd unit per service (run as root). Each unit runs "
        "`wyoming-voice SERVICE` as a transient user in a hardened sandbox, reads its "
        "settings from ENV_DIR/SERVICE.env (written once, every option documented), keeps "
        "models in /var/lib/wyoming-voice-SERVICE and caches in /var/cache/wyoming-voice-SERVICE."
        " Re-running it updates the units and keeps your environment files.",
    )
    add = parser.add_argument
    add("--services", default="stt,tts,llm", help=f"comma-separated: {', '.join(SERVICES)}")
    add("--prefix", default="/etc/systemd/system", help="where the units go")
    add("--env-dir", default="/etc/wyoming-voice", help="where the environment files go")
    add("--user", default="wyoming-voice", help="the services' user: allocated by systemd "
        "on start (DynamicUser=), or the existing system user of that name")  # fmt: skip
    add("--executable", help="the wyoming-voice to run (default: the one next to this Python)")
    add("--gpu", choices=("auto", "yes", "no"), default="auto", help="add the GPU drop-in to "
        "stt/tts/llm (auto: when /dev/nvidiactl or /dev/kfd exists)")  # fmt: skip
    add("--enable", action="store_true", help="run systemctl daemon-reload and enable")
    add("--now", action="store_true", help="with --enable: start them too")
    add("--dry-run", action="store_true", help="print what it would write, write nothing")
    return parser


def build_settings(args: argparse.Namespace, gpu_present: bool) -> InstallSettings:
    """Validate the flags into settings."""
    services = tuple(dict.fromkeys(s.strip() for s in args.services.split(",") if s.strip()))
    unknown = [s for s in services if s not in SERVICES]
    if unknown or not services:
        raise InstallError(f"--services: unknown {unknown}; choose from {', '.join(SERVICES)}")
    if not _USER_NAME.fullmatch(args.user):
        raise InstallError(f"--user: {args.user!r} is not a valid user name")
    if args.executable:
        executable = Path(args.executable).absolute()
        if not (executable.is_file() and os.access(executable, os.X_OK)):
            raise InstallError(f"--executable: {executable} is not an executable file")
        command: tuple[str, ...] = (str(executable),)
    else:
        command = find_executable(sys.argv[0])
    return InstallSettings(
        services=services,
        prefix=Path(args.prefix).absolute(),
        env_dir=Path(args.env_dir).absolute(),
        user=args.user,
        executable=command,
        gpu=args.gpu == "yes" or (args.gpu == "auto" and gpu_present),
        enable=bool(args.enable),
        now=bool(args.now),
        dry_run=bool(args.dry_run),
    )


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA or AMD compute device node."""
    return Path("/dev/nvidiactl").exists() or Path("/dev/kfd").exists()


def main(argv: Sequence[str], prog: str = "wyoming-voice install-systemd") -> int:
    """Render and install the units; print (or run, with --enable) the systemctl commands."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.now and not args.enable:
        parser.error("--now only works together with --enable")
    try:
        settings = build_settings(args, gpu_present())
        plans = plan_files(settings, units_dir())
        report(settings, plans, print)
        if not settings.dry_run:
            apply(plans)
    except InstallError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if settings.enable and not settings.dry_run:
        return run_commands(systemctl_commands(settings, start=settings.now), print)
    print("\nNext, as root:")
    for command in systemctl_commands(settings, start=True):
        print("  " + " ".join(command))
    return 0


def report(
    settings: InstallSettings, plans: Sequence[PlannedFile], out: Callable[[str], None]
) -> None:
    """Say what happens to each file (with the contents on --dry-run) and what to do next."""
    out(f"wyoming-voice: {' '.join(settings.executable)}")
    done = {"create": "created", "update": "updated", "remove": "removed (--gpu no)"}
    for plan in plans:
        if plan.action == "keep":
            out(f"kept {plan.path} (it exists: your settings are not touched)")
        elif plan.action == "unchanged":
            out(f"unchanged {plan.path}")
        elif settings.dry_run:
            out(f"--- would {plan.action} {plan.path} (mode {plan.mode:o})")
            if plan.action != "remove":
                out(plan.content.rstrip("\n"))
        else:
            out(f"{done[plan.action]} {plan.path}")
    gpu = [s for s in settings.services if s in GPU_SERVICES and settings.gpu]
    if gpu:
        out(f"GPU drop-in (device access, W^X off) for: {', '.join(gpu)}")
    token = settings.env_dir / "hass-token"
    if "llm" in settings.services and not token.exists():
        out(
            f"note: for home control, set WYOMING_LLM_HASS_URL in {settings.env_dir / 'llm.env'} "
            f"and put a long-lived access token in {token} (chmod 600)"
        )
