"""Start STT servers for a side-by-side benchmark: ours, and wyoming-faster-whisper (the peer).

The peer may live in a virtual environment of its own (`--peer-python`), so that its pinned
dependencies never touch ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.errors import WyomingVoiceError

_LOGGER = logging.getLogger(__name__)

PEER_MODULE = "wyoming_faster_whisper"


class PeerStartError(WyomingVoiceError):
    """The peer server did not come up."""

    code = "peer-failed"


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


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


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
    with tempfile.TemporaryDirectory(prefix="stt-server-") as folder:
        log_path = Path(folder) / "server.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *command, "--uri", uri, stdout=log, stderr=log
            )
        try:
            await _wait_ready(uri, process, startup_timeout, log_path)
            yield uri
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _wait_ready(
    uri: str, process: asyncio.subprocess.Process, timeout: float, log_path: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            text = await asyncio.to_thread(log_path.read_text, errors="replace")
            tail = text[-2000:]
            raise PeerStartError(f"the server exited with {process.returncode}:\n{tail}")
        try:
            await describe(uri, timeout=2.0)
            return
        except ServiceUnavailableError:
            await asyncio.sleep(0.5)
    raise PeerStartError(f"the server did not answer describe within {timeout:.0f} s")
