"""The servers `bench tts` compares: ours (`python -m wyoming_tts`) and wyoming-piper, each
started as a child process on a free loopback port with the same voice folder."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from wyoming_common.client import ServiceUnavailableError, describe

from .stt_peer import free_port

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
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            *command, "--uri", uri, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    await describe(uri, timeout=2.0)
                    break
                except ServiceUnavailableError:
                    if process.returncode is not None or time.monotonic() > deadline:
                        log.seek(0)
                        error = log.read().decode(errors="replace")[-2000:]
                        raise ServiceUnavailableError(f"{name} did not start: {error}") from None
                    await asyncio.sleep(0.2)
            yield uri
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()
