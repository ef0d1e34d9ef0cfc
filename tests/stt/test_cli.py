"""The commands as users run them: `wyoming-voice stt`, `transcribe`, `bench stt`."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import REPO, shared_path
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_voice import transcribe as transcribe_cli
from wyoming_voice.bench import stt as bench
from wyoming_voice.bench.children import free_port


@pytest.fixture(scope="module")
def stt_server() -> Iterator[str]:
    """`wyoming-voice stt --engine pocketsphinx` (no phrases: the built-in commands)."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wyoming_voice.cli",
            "stt",
            "--engine",
            "pocketsphinx",
            "--uri",
            uri,
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate(timeout=10)[0]
            try:
                asyncio.run(describe(uri, timeout=2))
                break
            except ServiceUnavailableError:
                assert time.monotonic() < deadline, "stt server did not start"
                time.sleep(0.2)
        yield uri
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        print(output)
    assert process.returncode == 0, output
    assert "Using the embedded pocketsphinx engine" not in output  # it was asked for
    assert "pocketsphinx: recognising with the built-in command grammar" in output
    assert "stt stopped" in output


def test_transcribe_prints_the_transcript(
    stt_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A clip the built-in grammar hears surely (short ones such as `turn on the lights` may be
    # rejected as unsure: see docs/stt.md).
    wav = shared_path("audio", "commands", "set_brightness_to_50_percent.wav")
    assert (
        transcribe_cli.main([str(wav), "--uri", stt_server], prog="wyoming-voice transcribe") == 0
    )
    text = capsys.readouterr().out.strip()
    print(f"transcript: {text!r}")
    assert text == "set brightness to fifty percent"


def test_transcribe_json(stt_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    wav = shared_path("audio", "commands", "whats_the_time.wav")
    assert transcribe_cli.main([str(wav), "--uri", stt_server, "--json", "--language", "en"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["text"] == "what's the time"
    assert result["language"] == "en"
    assert result["audio_seconds"] == pytest.approx(2.096, abs=0.01)
    assert 0 < result["seconds_after_stop"] <= result["total_seconds"]


def test_transcribe_reports_an_unreachable_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    wav = shared_path("audio", "misc", "this_is_a_test.wav")
    uri = f"tcp://127.0.0.1:{free_port()}"
    assert transcribe_cli.main([str(wav), "--uri", uri, "--timeout", "5"]) == 1
    assert "cannot connect" in capsys.readouterr().err


def test_bench_prints_a_table_and_a_json_line(
    stt_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    shutil.copy(shared_path("audio", "commands", "whats_the_time.wav"), audio)
    (audio / "TRANSCRIPTS.tsv").write_text(
        "file\ttranscript\nwhats_the_time.wav\tWhat's the time?\n", encoding="utf-8"
    )
    argv = ["--uri", stt_server, "--audio", str(audio), "--runs", "2", "--no-peer"]
    assert bench.main([*argv, "--concurrency", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    print("\n".join(lines))
    assert lines[0].split()[:5] == ["server/set", "clips", "WER", "cmdWER", "exact"]
    result = json.loads(lines[-1])
    assert result["bench"] == "stt" and result["servers"] == ["ours"]
    row = result["ours/audio"]
    assert row["latency"]["requests"] == 2 and row["latency"]["errors"] == 0
    assert row["accuracy"]["wer"] == row["accuracy"]["commands_wer"] == 0.0
    assert row["accuracy"]["exact"] == 1
    assert result["ours/crowd3"]["correct"] == 3
