"""The benchmarks' child services (wyoming_voice/bench/children.py): ready when describe
answers, a clear error with the log's tail when one dies, stopped (even when deaf to SIGTERM)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.services import REPO
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_voice.bench.children import ChildStartError, free_port, running_child

pytestmark = pytest.mark.timeout(60)


def child(uri: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tests.ops.describe_child", "--role", "tts", "--uri", uri, *extra]


async def test_a_child_is_ready_when_it_answers_and_gone_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    uri = f"tcp://127.0.0.1:{free_port()}"
    argv = child(uri, "--ignore-sigterm")
    async with running_child(argv, uri, name="tts", timeout=30, grace=1.0) as proc:
        info = await describe(uri, 2.0)
        assert info.tts
    assert proc.returncode is not None  # killed after the grace period, as a last resort
    with pytest.raises(ServiceUnavailableError):
        await describe(uri, 1.0)


async def test_a_child_that_dies_is_reported_with_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(REPO)
    uri = f"tcp://127.0.0.1:{free_port()}"
    argv = [sys.executable, "-c", "import sys; print('model file missing'); sys.exit(3)"]
    with pytest.raises(ChildStartError, match=r"tts exited with 3:\nmodel file missing"):
        async with running_child(argv, uri, name="tts", timeout=30, log=tmp_path / "log"):
            pytest.fail("never ready")
