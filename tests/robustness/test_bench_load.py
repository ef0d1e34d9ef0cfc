"""`wyoming-voice bench load` against each real service: it finds out what the service is,
loads it with the right requests and reports a table and a JSON line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from tests.support.services import REPO

from .processes import ServiceProcess

KINDS = {"stt": "asr", "tts": "tts", "llm": "handle", "satellite": "satellite"}


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wyoming_voice.cli", "bench", "load", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )


async def test_bench_load(service: ServiceProcess) -> None:
    result = await asyncio.to_thread(
        _bench, service.uri, "--clients", "3", "--duration", "1.5", "--timeout", "30"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    row = json.loads(lines[-1])
    assert row["kind"] == KINDS[service.kind]
    assert row["requests_ok"] > 0
    assert row["errors"] == {}
    assert row["describe_count"] > 0 and row["describe_failures"] == 0
    assert row["rss_before_mb"] > 10 and row["rss_after_mb"] > 10  # found the pid by port
    assert any(line.strip().startswith("describe p50 / p95 / max") for line in lines)


def test_bench_load_at_nothing() -> None:
    result = _bench("tcp://127.0.0.1:9", "--duration", "1", "--timeout", "2")
    assert result.returncode == 1
    assert result.stderr.startswith("wyoming-voice bench load: error: cannot connect")
