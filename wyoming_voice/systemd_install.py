"""`wyoming-voice install-systemd`: render the unit templates for this installation, install them.

See systemd_render for how a template becomes a unit. This module holds the flags, the plan
(which file gets what), the report and the systemctl commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import option, parse_settings
from wyoming_common.errors import ConfigError

from .systemd_render import (
    GPU_SERVICES,
    SERVICES,
    InstallError,
    PlannedFile,
    apply,
    exec_quote,
    find_executable,
    installation_paths,
    keep_plan,
    read_existing,
    readonly_binds,
    render_unit,
    replace_plan,
    units_dir,
)

__all__ = [
    "InstallError", "InstallFlags", "InstallSettings", "exec_quote", "installation_paths",
    "main", "plan_files", "readonly_binds", "render_unit", "units_dir",
]  # fmt: skip

DESCRIPTION = (
    "Install one systemd unit per service (run as root). Each unit runs `wyoming-voice SERVICE` "
    "as a transient user in a hardened sandbox, reads its settings from ENV_DIR/SERVICE.env "
    "(written once, every option documented), keeps models in /var/lib/wyoming-voice-SERVICE "
    "and caches in /var/cache/wyoming-voice-SERVICE. Re-running it updates the units and keeps "
    "your environment files."
)
_USER_NAME = r"[a-z_][a-z0-9_-]{0,30}"


@dataclass(frozen=True)
class InstallFlags:
    """The flags of install-systemd, as given."""

    services: str = option("stt,tts,llm", help=f"comma-separated: {', '.join(SERVICES)}")
    prefix: str = option("/etc/systemd/system", help="where the units go")
    env_dir: str = option("/etc/wyoming-voice", help="where the environment files go")
    user: str = option(
        "wyoming-voice",
        help="the services' user: allocated by systemd on start (DynamicUser=), or the "
        "existing system user of that name",
    )
    executable: str | None = option(
        None, help="the wyoming-voice to run (default: the one next to this Python)"
    )
    gpu: str = option(
        "auto",
        choices=("auto", "yes", "no"),
        help="add the GPU drop-in to stt/tts/llm (auto: when /dev/nvidiactl or /dev/kfd exists)",
    )
    enable: bool = option(False, help="run systemctl daemon-reload and enable")
    now: bool = option(False, help="with --enable: start them too")
    dry_run: bool = option(False, help="print what it would write, write nothing")

    def __post_init__(self) -> None:
        unknown = [s for s in self.chosen if s not in SERVICES]
        if unknown or not self.chosen:
            raise ConfigError("--services", f"unknown {unknown}; choose from {', '.join(SERVICES)}")
        if not re.fullmatch(_USER_NAME, self.user):
            raise ConfigError("--user", f"{self.user!r} is not a valid user name")
        if self.now and not self.enable:
            raise ConfigError("--now", "--now only works together with --enable")

    @property
    def chosen(self) -> tuple[str, ...]:
        """The services, in order, without repeats."""
        return tuple(dict.fromkeys(s.strip() for s in self.services.split(",") if s.strip()))


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


def build_settings(flags: InstallFlags, gpu_present: bool) -> InstallSettings:
    """Resolve the executable and the GPU choice; InstallError when --executable is wrong."""
    if flags.executable:
        executable = Path(flags.executable).absolute()
        if not (executable.is_file() and os.access(executable, os.X_OK)):
            raise InstallError(f"--executable: {executable} is not an executable file")
        command: tuple[str, ...] = (str(executable),)
    else:
        command = find_executable(sys.argv[0])
    return InstallSettings(
        services=flags.chosen,
        prefix=Path(flags.prefix).absolute(),
        env_dir=Path(flags.env_dir).absolute(),
        user=flags.user,
        executable=command,
        gpu=flags.gpu == "yes" or (flags.gpu == "auto" and gpu_present),
        enable=flags.enable,
        now=flags.now,
        dry_run=flags.dry_run,
    )


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
        plans.append(replace_plan(settings.prefix / unit, content, 0o644))
        env = (templates / f"{service}.env").read_text(encoding="utf-8")
        env = env.replace("@ENV_DIR@", str(settings.env_dir))
        plans.append(keep_plan(settings.env_dir / f"{service}.env", env, 0o640))
        if service in GPU_SERVICES:
            dropin = settings.prefix / f"{unit}.d" / "gpu.conf"
            gpu = (templates / "gpu.conf").read_text(encoding="utf-8")
            if settings.gpu:
                plans.append(replace_plan(dropin, gpu, 0o644))
            elif read_existing(dropin) == gpu:  # ours, unchanged: the user asked for no GPU now
                plans.append(PlannedFile(dropin, gpu, 0o644, "remove"))
    return plans


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


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA or AMD compute device node."""
    return Path("/dev/nvidiactl").exists() or Path("/dev/kfd").exists()


def main(argv: Sequence[str], prog: str = "wyoming-voice install-systemd") -> int:
    """Render and install the units; print (or run, with --enable) the systemctl commands."""
    flags: InstallFlags = parse_settings(
        InstallFlags, argv, prog=prog, env_prefix="WYOMING_VOICE_INSTALL", description=DESCRIPTION
    )
    try:
        settings = build_settings(flags, gpu_present())
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
