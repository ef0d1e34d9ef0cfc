"""Start real services on loopback for tests, and talk to them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from wyoming_common.config import ServiceSettings
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.runner import Loader, ServiceRunner

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
COMMANDS_DIR = SHARED / "audio" / "commands"


def loopback_settings(**overrides: Any) -> ServiceSettings:
    """Settings for a service on a free loopback port, no zeroconf."""
    values: dict[str, Any] = {
        "uri": "tcp://127.0.0.1:0",
        "zeroconf_name": None,
        "zeroconf_host": None,
        "metrics_port": None,
        "debug": True,
        "log_format": "%(message)s",
    }
    values.update(overrides)
    return ServiceSettings(**values)


@asynccontextmanager
async def running_service(
    handler_factory: Callable[[asyncio.StreamReader, asyncio.StreamWriter], ServiceEventHandler],
    *,
    service: str = "test",
    load: Loader | None = None,
    **settings: Any,
) -> AsyncIterator[ServiceRunner]:
    """A ServiceRunner started on 127.0.0.1:<free port>; stopped on exit."""
    runner = ServiceRunner(
        loopback_settings(**settings), handler_factory, service=service, load=load
    )
    await asyncio.wait_for(runner.start(), 60)
    try:
        yield runner
    finally:
        await asyncio.wait_for(runner.stop(), 30)


HTTP_ERROR = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"


@asynccontextmanager
async def not_wyoming_server(answer: bytes | None = HTTP_ERROR) -> AsyncIterator[str]:
    """A TCP server where a Wyoming service should be (an HTTP server, by default): it reads
    what the client sends, answers `answer` (None: stays silent for 10 s), then closes. Yields
    its tcp:// URI."""

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.read(1024)
            if answer is None:
                await asyncio.sleep(10)
            else:
                writer.write(answer)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    try:
        yield f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)


def shared_path(*parts: str) -> Path:
    """A path in ../shared; fails (never skips) under CI when the data is missing."""
    import pytest

    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"test data missing under CI: {path}")
        pytest.skip(f"test data not available: {path}")
    return path


def command_transcripts() -> list[tuple[Path, str]]:
    """(wav path, exact transcript) for every clip in ../shared/audio/commands."""
    tsv = shared_path("audio", "commands", "TRANSCRIPTS.tsv")
    rows: list[tuple[Path, str]] = []
    for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
        if "\t" in line:
            name, text = line.split("\t", 1)
            rows.append((tsv.parent / name, text.strip()))
    return rows


COMPAT_WHEEL_DIR = REPO / ".cache" / "compat"


def parse_info_with_wyoming_172(info_dict: dict[str, Any], tmp_path: Path) -> str:
    """Parse an info dict with wyoming 1.7.2 (the version HA 2026.2.3 pins) in a subprocess.

    Returns the repr of the parsed Info; raises AssertionError with the error otherwise.
    The wheel is downloaded by script/setup into .cache/compat.
    """
    import json

    import pytest

    wheels = sorted(COMPAT_WHEEL_DIR.glob("wyoming-1.7.2-*.whl"))
    if not wheels:
        if os.environ.get("CI"):
            pytest.fail("wyoming 1.7.2 wheel missing: script/setup downloads it to .cache/compat")
        pytest.skip("wyoming 1.7.2 wheel not downloaded (run script/setup)")
    target = tmp_path / "wyoming172"
    if not target.exists():
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(target)
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "import wyoming, wyoming.info as i\n"
        "from wyoming.event import Event\n"
        "info = i.Info.from_event(Event(type='info', data=json.loads(sys.stdin.read())))\n"
        "print(repr(info))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        input=json.dumps(info_dict),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"wyoming 1.7.2 cannot parse info: {result.stderr}"
    return result.stdout
