"""Child processes behind the ALSA commands and hooks: read their last error line, stop them."""

from __future__ import annotations

import asyncio
import contextlib


def last_line(stderr: bytes) -> str:
    """The last non-empty line a program wrote to stderr (ALSA prints whole stacks)."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


async def stop_process(proc: asyncio.subprocess.Process, grace: float = 2.0) -> None:
    """Terminate a child process and reap it (kill after the grace period)."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        async with asyncio.timeout(grace):
            await proc.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
