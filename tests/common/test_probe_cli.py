"""`wyoming-voice describe/health` against a real service, and the command dispatcher."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial

import pytest
from wyoming.event import Event
from wyoming.info import Info

from tests.support.services import running_service
from wyoming_common.handler import ServiceEventHandler
from wyoming_voice import cli
from wyoming_voice.probes import summarize_info

from .helpers import free_port, recording_factory


async def run_cli(*argv: str) -> int:
    # The commands call asyncio.run themselves: run them in a thread, off this loop.
    async with asyncio.timeout(15):
        return await asyncio.to_thread(cli.main, list(argv))


async def test_describe_prints_programs(capsys: pytest.CaptureFixture[str]) -> None:
    async with running_service(recording_factory()) as runner:
        assert await run_cli("describe", runner.uri) == 0
        out = capsys.readouterr().out
        assert out.strip() == "asr: test-asr [tiny (en)]"

        assert await run_cli("describe", runner.uri, "--json") == 0
        info = json.loads(capsys.readouterr().out)
        assert info["asr"][0]["name"] == "test-asr"
        assert info["asr"][0]["installed"] is True


async def test_health_ok_against_a_running_service(capsys: pytest.CaptureFixture[str]) -> None:
    async with running_service(recording_factory()) as runner:
        assert await run_cli("health", runner.uri) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"OK   {runner.uri}: asr: test-asr")
        assert await run_cli("health", "--quiet", runner.uri, runner.uri) == 0
        assert capsys.readouterr().out == ""


async def test_health_fails_fast_on_a_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    assert await run_cli("health", uri) == 1
    assert time.monotonic() - started < 2.0
    assert capsys.readouterr().out.startswith(f"FAIL {uri}: cannot connect")


async def test_health_fails_if_any_uri_fails(capsys: pytest.CaptureFixture[str]) -> None:
    closed = f"tcp://127.0.0.1:{free_port()}"
    async with running_service(recording_factory()) as runner:
        assert await run_cli("health", runner.uri, closed) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("OK ") and out[1].startswith("FAIL")


async def test_health_fails_when_info_lists_no_program(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Empty(ServiceEventHandler):
        async def handle_request(self, event: Event) -> bool:
            return True

    async with running_service(partial(Empty, info=Info)) as runner:
        assert await run_cli("health", runner.uri) == 1
    assert "info lists no program" in capsys.readouterr().out


async def test_health_times_out_on_a_silent_service(capsys: pytest.CaptureFixture[str]) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # never answers

    async with asyncio.timeout(10):
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        assert await run_cli("health", "--timeout", "0.3", f"tcp://127.0.0.1:{port}") == 1
        assert time.monotonic() - started < 2.0
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert "did not answer" in capsys.readouterr().out


async def test_describe_fails_on_a_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_cli("describe", f"tcp://127.0.0.1:{free_port()}") == 1
    assert capsys.readouterr().err.startswith("error: cannot connect")


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["help"], []])
def test_help_lists_commands(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: wyoming-voice COMMAND")
    for command in (
        "stt",
        "tts",
        "llm",
        "satellite",
        "describe",
        "health",
        "discover",
        "bench stt",
    ):
        assert f"\n  {command} " in out


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["frobnicate", "--now"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err  # one line (issue 15.8); more in tests/ops


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip()


def test_resolve_prefers_two_word_commands() -> None:
    assert cli.resolve(["bench", "stt", "--uri", "x"]) == ("bench stt", ["--uri", "x"])
    assert cli.resolve(["stt", "--debug"]) == ("stt", ["--debug"])
    assert cli.resolve(["bench"]) is None
    assert cli.resolve([]) is None


def test_subcommand_help_uses_the_full_prog(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["health", "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: wyoming-voice health")


def test_summarize_info_lists_every_program() -> None:
    from .helpers import sample_info

    assert summarize_info(sample_info()) == ["asr: test-asr [tiny (en)]"]
    assert summarize_info(Info()) == []
