"""`--list-devices`: what ALSA offers for capture and playback (arecord -L / aplay -L)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

_INSTALL_HINT = "install alsa-utils (Debian/Raspberry Pi OS: sudo apt-get install alsa-utils)"


@dataclass(frozen=True)
class AlsaDevice:
    """One PCM device as ALSA lists it: the -D name and its description."""

    name: str
    description: str


def parse_alsa_list(text: str) -> list[AlsaDevice]:
    """Parse `arecord -L`/`aplay -L` output: a name line, then indented description lines."""
    devices: list[AlsaDevice] = []
    name: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            if name is not None:
                devices.append(AlsaDevice(name, " / ".join(lines)))
            name, lines = line.strip(), []
        else:
            lines.append(line.strip())
    if name is not None:
        devices.append(AlsaDevice(name, " / ".join(lines)))
    return devices


def list_devices(program: str) -> tuple[list[AlsaDevice], str | None]:
    """Run `program -L`; returns the devices and an explanation when there are none."""
    path = shutil.which(program)
    if path is None:
        return [], f"{program} not found: {_INSTALL_HINT}"
    try:
        result = subprocess.run(
            [path, "-L"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return [], f"{program} -L failed: {err}"
    devices = [d for d in parse_alsa_list(result.stdout) if d.name != "null"]
    if not devices:
        detail = result.stderr.strip() or "no sound card found"
        return [], f"{program} -L lists no device ({detail})"
    return devices, None


def format_devices() -> str:
    """The text printed by --list-devices."""
    out: list[str] = []
    for title, program in (
        ("Capture devices (use with --mic-command 'arecord -D NAME ...')", "arecord"),
        ("Playback devices (use with --snd-command 'aplay -D NAME ...')", "aplay"),
    ):
        devices, problem = list_devices(program)
        out.append(title + ":")
        if problem:
            out.append(f"  ({problem})")
        for device in devices:
            out.append(f"  {device.name}")
            if device.description:
                out.append(f"      {device.description}")
        out.append("")
    out.append("Tip: plughw:CARD=...,DEV=0 devices convert rates and channels for you.")
    return "\n".join(out)
