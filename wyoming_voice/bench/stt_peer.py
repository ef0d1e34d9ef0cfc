"""Start STT servers for a side-by-side benchmark: ours, and wyoming-faster-whisper (the peer).

The peer may live in a virtual environment of its own (`--peer-python`), so that its pinned
dependencies never touch ours.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from .children import free_port, running_child

_LOGGER = logging.getLogger(__name__)

PEER_MODULE = "wyoming_faster_whisper"


def peer_installed(python: str | None = None) -> bool:
    """True when wyoming-faster-whisper can be imported by python (default: this one)."""
    if python is None or Path(python).absolute() == Path(sys.executable).absolute():
        return importlib.util.find_spec(PEER_MODULE) is not None
    try:
        found = subprocess.run(
            [
                python,
                "-c",
                f"import importlib.util as u; print(bool(u.find_spec({PEER_MODULE!r})))",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return found.stdout.strip() == "True"


@contextlib.asynccontextmanager
async def running_peer(
    model: str,
    extra_args: Sequence[str] = (),
    *,
    python: str | None = None,
    startup_timeout: float = 300.0,
) -> AsyncIterator[str]:
    """Run `python -m wyoming_faster_whisper --model MODEL` on loopback; yields its URI."""
    with tempfile.TemporaryDirectory(prefix="stt-peer-") as data_dir:
        command = [python or sys.executable, "-m", PEER_MODULE, "--model", model]
        command += ["--data-dir", data_dir, *extra_args]
        async with running_server(command, startup_timeout=startup_timeout) as uri:
            yield uri


@contextlib.asynccontextmanager
async def running_ours(
    args: Sequence[str], *, startup_timeout: float = 300.0
) -> AsyncIterator[str]:
    """Run `python -m wyoming_stt ARGS` on loopback; yields its URI."""
    command = [sys.executable, "-m", "wyoming_stt", *args]
    async with running_server(command, startup_timeout=startup_timeout) as uri:
        yield uri


@contextlib.asynccontextmanager
async def running_server(
    command: Sequence[str], *, startup_timeout: float = 300.0
) -> AsyncIterator[str]:
    """Run command with `--uri tcp://127.0.0.1:PORT` added until it answers describe."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    async with running_child(
        [*command, "--uri", uri], uri, name=command[2], timeout=startup_timeout, grace=10.0
    ):
        yield uri
