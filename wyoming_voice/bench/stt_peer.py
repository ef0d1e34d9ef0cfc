"""Start wyoming-faster-whisper (the peer server) for a side-by-side benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import socket
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


def peer_installed() -> bool:
    """True when wyoming-faster-whisper can be imported (checked without importing it)."""
    return importlib.util.find_spec(PEER_MODULE) is not None


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def running_peer(
    model: str, extra_args: Sequence[str] = (), *, startup_timeout: float = 300.0
) -> AsyncIterator[str]:
    """Run `python -m wyoming_faster_whisper --model MODEL` on loopback; yields its URI."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory(prefix="stt-peer-") as data_dir:
        log_path = Path(data_dir) / "peer.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                PEER_MODULE,
                "--model",
                model,
                "--uri",
                uri,
                "--data-dir",
                data_dir,
                *extra_args,
                stdout=log,
                stderr=log,
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
            raise PeerStartError(f"{PEER_MODULE} exited with {process.returncode}:\n{tail}")
        try:
            await describe(uri, timeout=2.0)
            return
        except ServiceUnavailableError:
            await asyncio.sleep(0.5)
    raise PeerStartError(f"{PEER_MODULE} did not answer describe within {timeout:.0f} s")
