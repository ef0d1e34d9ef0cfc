"""The `wyoming-voice` dispatcher: one-line errors with suggestions, command groups, help."""

from __future__ import annotations

import contextlib
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from tests.support.services import REPO
from wyoming_voice import cli


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a fresh Python."""
    return subprocess.run(
        [sys.executable, "-m", "wyoming_voice.cli", *argv],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["transcibe", "x.wav"], "did you mean 'transcribe'?"),
        (["synthesise", "hi"], "did you mean 'synthesize'?"),
        (["bench", "sst"], "did you mean 'bench stt'?"),
        (["benchh", "stt"], "did you mean 'bench'?"),
        (["instal-systemd"], "did you mean 'install-systemd'?"),
    ],
)
def test_a_typo_gets_one_line_and_a_suggestion(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    [line, hint] = captured.err.strip().splitlines()
    assert line.startswith("wyoming-voice: error: unknown command") and suggestion in line
    assert "--help" in hint
    assert captured.out == ""


def test_nonsense_gets_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate"]) == 2
    line = capsys.readouterr().err.splitlines()[0]
    assert line == "wyoming-voice: error: unknown command 'frobnicate'"


@pytest.mark.parametrize("argv", [["bench", "--help"], ["bench", "-h"], ["help", "bench"]])
def test_bench_help_lists_the_benchmarks(argv: list[str]) -> None:
    result = run(*argv)
    assert result.returncode == 0, result.stderr
    for name in ("bench stt", "bench tts", "bench llm", "bench pipeline"):
        assert f"\n  {name} " in result.stdout, result.stdout
    assert "unknown command" not in result.stdout + result.stderr
    assert "  up " not in result.stdout  # only the bench commands


def test_bare_group_says_which_commands_exist() -> None:
    result = run("bench")
    assert result.returncode == 2
    assert "bench stt" in result.stderr


def test_help_command_is_the_commands_help() -> None:
    result = run("help", "describe")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: wyoming-voice describe")


def test_probe_usage_errors_are_one_line() -> None:
    result = run("describe", "--tiemout", "3", "tcp://127.0.0.1:1")
    assert result.returncode == 2
    [line, hint] = result.stderr.strip().splitlines()
    assert "did you mean --timeout?" in line and "usage:" not in result.stderr
    assert "wyoming-voice describe --help" in hint


def test_every_listed_command_imports() -> None:
    """A command in the table either imports or is left out of the list (not yet merged)."""
    listed = cli.usage()
    for name in cli.COMMANDS:
        if cli.available(name):
            assert f"  {name} " in listed
        else:
            assert f"  {name} " not in listed


@pytest.mark.parametrize(
    "argv",
    [
        ["describe", "foo"],
        ["describe", "stdio://"],
        ["describe", "tcp://127.0.0.1:1", "--timeout", "0"],
        ["health", "tcp://127.0.0.1:1", "tcp://[::1"],
        ["discover", "--seconds", "-1"],
    ],
)
def test_probe_usage_errors_exit_2(argv: list[str]) -> None:
    result = run(*argv)
    assert result.returncode == 2, result.stderr
    [line, hint] = result.stderr.strip().splitlines()
    assert line.startswith(f"wyoming-voice {argv[0]}: error: ") and "--help" in hint


@contextlib.contextmanager
def http_server_on_a_wyoming_port() -> Iterator[str]:
    """Something else on the port: its answer is not a Wyoming event."""

    class Answer(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(1024)
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"tcp://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


@pytest.mark.parametrize("command", ["describe", "health"])
def test_probes_of_a_service_that_does_not_answer_exit_1(command: str) -> None:
    closed = run(command, "tcp://127.0.0.1:1", "--timeout", "2")
    assert closed.returncode == 1 and "cannot connect" in closed.stdout + closed.stderr
    with http_server_on_a_wyoming_port() as uri:
        other = run(command, uri, "--timeout", "2")
    assert other.returncode == 1, other.stderr
    assert "Traceback" not in other.stderr
