"""An explicit --model that cannot be loaded stops the service: exit 2, one line naming the flag.

Only `--engine auto` without a model uses pocketsphinx, and says why.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import REPO
from wyoming_voice.bench.children import free_port


def _run_stt(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wyoming_stt", "--uri", f"tcp://127.0.0.1:{free_port()}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )


def _corrupt_model(folder: Path) -> Path:
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\x00not a model" * 100)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("/no/such/whisper-model", "--model: no such folder: /no/such/whisper-model"),
        ("tiny-typo", "--model: unknown Whisper model 'tiny-typo'"),
        ("<empty>", "is not a CTranslate2 Whisper model"),
        ("<corrupt>", "--model: cannot load"),
    ],
    ids=["missing", "unknown-name", "wrong-format", "corrupt"],
)
def test_a_model_that_cannot_load_exits_2_with_one_line(
    model: str, message: str, tmp_path: Path
) -> None:
    if model == "<empty>":
        model = str(tmp_path)
    elif model == "<corrupt>":
        model = str(_corrupt_model(tmp_path / "broken"))
    result = _run_stt("--model", model, "--device", "cpu")
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "pocketsphinx" not in result.stderr  # no fallback


def test_auto_without_a_model_uses_pocketsphinx_and_says_why() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wyoming_stt", "--uri", f"tcp://127.0.0.1:{free_port()}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "ready" in line:
                break
    finally:
        process.terminate()
        process.wait(30)
    text = "".join(lines)
    assert "Using the embedded pocketsphinx engine: no Whisper model is configured" in text
