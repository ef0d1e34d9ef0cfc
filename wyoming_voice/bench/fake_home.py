"""The Home Assistant a benchmark starts when none is given: the fake Home Assistant of a source
checkout (`python -m tests.fake_hass`, its demo home) as a child process, its token in the
environment, never in argv."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from .children import ChildStartError, free_port, start_child, stop_children


async def start_fake_hass(
    workdir: Path, token: str, *, instead: str = "give --hass-url and --hass-token-file"
) -> tuple[str, asyncio.subprocess.Process]:
    """Start it on a free loopback port (log: workdir/hass.log); (url, process) once it
    accepts connections. ChildStartError names `instead` (what the user can do) when this is
    not a source checkout."""
    if importlib.util.find_spec("tests.fake_hass") is None:
        raise ChildStartError(
            f"no Home Assistant: {instead}, or run from a source checkout (its fake Home "
            "Assistant, tests/fake_hass, stands in)"
        )
    port = free_port()
    process = await start_child(
        [sys.executable, "-m", "tests.fake_hass", "--port", str(port)],
        workdir / "hass.log",
        env={**os.environ, "FAKE_HASS_TOKEN": token},
    )
    for _attempt in range(200):
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return f"http://127.0.0.1:{port}", process
        await asyncio.sleep(0.1)
    await stop_children([process], grace=5.0)
    raise ChildStartError("the fake Home Assistant did not start")


@contextlib.asynccontextmanager
async def fake_home(workdir: Path, *, instead: str) -> AsyncIterator[tuple[str, str]]:
    """start_fake_hass with a fresh token, stopped on exit: yields (url, token)."""
    token = secrets.token_hex(16)
    url, process = await start_fake_hass(workdir, token, instead=instead)
    try:
        yield url, token
    finally:
        await stop_children([process], grace=10.0)
