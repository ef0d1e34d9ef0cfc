"""The servers `bench tts` compares: ours (`python -m wyoming_tts`) and wyoming-piper, each
started as a child process on a free loopback port with the same voice folder."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from .children import free_port, running_child

PEER_MODULE = "wyoming_piper"


def ours_command(data_dir: Path, voice: str) -> list[str]:
    """Our TTS server on one voice folder."""
    return [sys.executable, "-m", "wyoming_tts", "--data-dir", str(data_dir), "--voice", voice]


def peer_command(python: str, data_dir: Path, voice: str) -> list[str]:
    """wyoming-piper (installed for that Python) on the same voice folder."""
    return [python, "-m", PEER_MODULE, "--voice", voice, "--data-dir", str(data_dir)]


def peer_available(python: str) -> bool:
    """Whether that Python can import wyoming_piper."""
    try:
        probe = subprocess.run(
            [
                python,
                "-c",
                f"import importlib.util as u; exit(u.find_spec('{PEER_MODULE}') is None)",
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@contextlib.asynccontextmanager
async def running_server(
    command: Sequence[str], name: str, *, startup_timeout: float = 120.0
) -> AsyncIterator[str]:
    """Run command with `--uri tcp://127.0.0.1:PORT`; yields the URI once describe answers."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    async with running_child([*command, "--uri", uri], uri, name=name, timeout=startup_timeout):
        yield uri
