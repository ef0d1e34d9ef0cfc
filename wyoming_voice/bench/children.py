"""Services a benchmark starts itself: a child process in its own process group with its output
in a log file, ready once its URI answers `describe`, stopped with SIGTERM (SIGKILL after a
grace period) together with whatever it started."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.errors import WyomingVoiceError

LOG_TAIL = 2000  # characters of a failed child's log shown in the error


class ChildStartError(WyomingVoiceError):
    """A service the benchmark started did not come up (exited, or never answered)."""

    code = "bench-child-failed"


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_udp_port() -> int:
    """A UDP port nothing listens on right now (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def start_child(
    argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> asyncio.subprocess.Process:
    """Start argv in its own session (so stop_children reaches its children too); stdout and
    stderr go to log. Secrets go in env, never in argv."""
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            env=dict(env) if env is not None else None,
        )


async def _tail(log: Path) -> str:
    text = await asyncio.to_thread(log.read_text, errors="replace")
    return text[-LOG_TAIL:]


async def wait_for_service(
    uri: str, process: asyncio.subprocess.Process, log: Path, *, name: str, timeout: float
) -> None:
    """Return once uri answers describe; ChildStartError (with the log's tail) when the
    process exits first or timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            tail = await _tail(log)
            raise ChildStartError(f"{name} exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(ServiceUnavailableError, TimeoutError):
            await describe(uri, 2.0)
            return
        await asyncio.sleep(0.3)
    tail = await _tail(log)
    raise ChildStartError(f"{name} did not answer at {uri} within {timeout:.0f} s:\n{tail}")


async def stop_children(
    processes: Sequence[asyncio.subprocess.Process], grace: float = 15.0
) -> None:
    """SIGTERM each process group (last started first), SIGKILL after grace seconds."""
    for process in reversed(processes):
        if process.returncode is not None:
            continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(grace):
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


@contextlib.asynccontextmanager
async def running_child(
    argv: Sequence[str],
    uri: str,
    *,
    name: str,
    timeout: float = 120.0,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    grace: float = 15.0,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """start_child + wait_for_service; stopped on exit (log: a temporary file when None)."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as folder:
        log = log or Path(folder) / "child.log"
        process = await start_child(argv, log, env)
        try:
            await wait_for_service(uri, process, log, name=name, timeout=timeout)
            yield process
        finally:
            await stop_children([process], grace)
