"""`wyoming-voice up`: command lines, supervision of real child processes, the real services."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from tests.support.services import REPO
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_voice.stack import ChildSpec, build_children, run_stack
from wyoming_voice.stack_settings import UpSettings, load_settings


def settings_for(*argv: str) -> UpSettings:
    return load_settings(list(argv), "up", environ={})


def test_children_get_one_configuration(tmp_path: Path) -> None:
    settings = settings_for(
        "--services",
        "stt,tts,llm,satellite",
        "--host",
        "0.0.0.0",
        "--stt-port",
        "11300",
        "--data-dir",
        str(tmp_path),
        "--hass-url",
        "http://ha:8123",
        "--hass-token-file",
        "/t",
        "--stt-model",
        "small-int8",
        "--tts-voice",
        "en_US-lessac-medium",
        "--llm-model",
        "/m/q.gguf",
        "--stt-args",
        "--beam-size 5 --language 'en'",
    )
    children = {c.name: c for c in build_children(settings, python="/py")}

    assert children["stt"].argv == (
        "/py",
        "-m",
        "wyoming_stt",
        "--uri",
        "tcp://0.0.0.0:11300",
        "--data-dir",
        str(tmp_path / "stt"),
        "--zeroconf",
        "--engine",
        "auto",
        "--model",
        "small-int8",
        "--beam-size",
        "5",
        "--language",
        "en",
    )
    assert children["stt"].uri == "tcp://127.0.0.1:11300"  # describe goes to loopback
    assert children["tts"].argv[2:] == (
        "wyoming_tts",
        "--uri",
        "tcp://0.0.0.0:10200",
        "--data-dir",
        str(tmp_path / "tts"),
        "--zeroconf",
        "--engine",
        "auto",
        "--voice",
        "en_US-lessac-medium",
    )
    assert children["llm"].argv[2:] == (
        "wyoming_llm",
        "--uri",
        "tcp://0.0.0.0:10500",
        "--data-dir",
        str(tmp_path / "llm"),
        "--zeroconf",
        "--model",
        "/m/q.gguf",
        "--hass-url",
        "http://ha:8123",
        "--hass-token-file",
        "/t",
    )
    assert children["satellite"].argv[2:] == (
        "satellite",
        "--uri",
        "tcp://0.0.0.0:10700",
        "--zeroconf",
        "--stt-uri",
        "tcp://127.0.0.1:11300",
        "--agent-uri",
        "tcp://127.0.0.1:10500",
        "--tts-uri",
        "tcp://127.0.0.1:10200",
    )


def test_no_zeroconf_and_ipv6_host() -> None:
    settings = settings_for("--services", "stt", "--host", "::1", "--no-zeroconf")
    [child] = build_children(settings, python="/py")
    assert "--zeroconf" not in child.argv
    assert child.uri == "tcp://[::1]:10300"


def test_pocketsphinx_gets_home_assistant_names_whisper_does_not() -> None:
    ha = ("--hass-url", "http://ha:8123", "--hass-token-file", "/t")
    [auto] = build_children(settings_for("--services", "stt", *ha), python="/py")
    assert "--hass-url" in auto.argv  # auto without a model: pocketsphinx
    [whisper] = build_children(
        settings_for("--services", "stt", "--stt-engine", "faster-whisper", *ha), python="/py"
    )
    assert "--hass-url" not in whisper.argv


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--services", "stt,wake"], "--services"),
        (["--stt-port", "10200"], "--tts-port: port 10200 is also --stt-port"),
        (["--stt-port", "99999"], "--stt-port: must be a port in 1..65535, got 99999"),
        (["--services", "stt,llm", "--llm-port", "0"], "--llm-port"),
        (["--grace", "0"], "--grace"),
        (["--stt-args", "--language 'en"], "--stt-args"),
        (["--stt-prot", "1"], "did you mean --stt-port?"),
    ],
)
def test_bad_settings_are_one_line_usage_errors(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        settings_for(*argv)
    assert exit_info.value.code == 2
    [line, _hint] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("up: error: ") and flag in line, line


def fake_child(name: str, port: int, *extra: str) -> ChildSpec:
    argv = (sys.executable, "-m", "tests.ops.describe_child", "--role", name)
    return ChildSpec(
        name, (*argv, "--uri", f"tcp://127.0.0.1:{port}", *extra), f"tcp://127.0.0.1:{port}"
    )


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Child processes import `tests.ops.describe_child` from the repository."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )


async def start_stack(children: list[ChildSpec], lines: list[str], grace: float = 5.0):  # type: ignore[no-untyped-def]
    settings = settings_for(
        "--services",
        ",".join(c.name for c in children),
        "--no-zeroconf",
        "--host",
        "127.0.0.1",
        "--ready-timeout",
        "30",
        "--grace",
        str(grace),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_stack(settings, out=lines.append, stop=stop, children=children))
    return task, stop


async def wait_for_line(lines: list[str], text: str, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not any(text in line for line in lines):
            await asyncio.sleep(0.05)


async def test_up_waits_for_describe_then_stops_cleanly() -> None:
    lines: list[str] = []
    children = [fake_child(n, free_port()) for n in ("stt", "tts", "llm")]
    task, stop = await start_stack(children, lines)
    await wait_for_line(lines, "Ctrl-C stops them all")
    text = "\n".join(lines)
    assert "asr: wyoming-voice-whisper" in text  # says which engine answered
    assert "tts: wyoming-voice-piper" in text
    assert f"--stt {children[0].uri}" in text  # the ha-setup hint
    assert "one on another machine (or in a container with its own network) cannot" in text
    for child in children:
        async with asyncio.timeout(5):
            await describe(child.uri, 2)

    stop.set()
    async with asyncio.timeout(30):
        assert await task == 0
    for child in children:
        with pytest.raises(ServiceUnavailableError):
            await describe(child.uri, 1)


async def test_a_dying_child_stops_the_rest() -> None:
    lines: list[str] = []
    children = [
        fake_child("stt", free_port(), "--exit-after", "1.5", "--exit-code", "3"),
        fake_child("tts", free_port()),
    ]
    task, _stop = await start_stack(children, lines)
    async with asyncio.timeout(30):
        assert await task == 1
    assert "error: stt exited with code 3; stopping the others" in lines
    with pytest.raises(ServiceUnavailableError):
        await describe(children[1].uri, 1)


async def test_a_child_dying_before_ready_is_reported() -> None:
    lines: list[str] = []
    broken = ChildSpec(
        "stt", (sys.executable, "-c", "raise SystemExit(7)"), f"tcp://127.0.0.1:{free_port()}"
    )
    task, _stop = await start_stack([broken, fake_child("tts", free_port())], lines)
    async with asyncio.timeout(30):
        assert await task == 1
    assert "error: stt exited with code 7 before it was ready; stopping the others" in lines


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period() -> None:
    lines: list[str] = []
    child = fake_child("stt", free_port(), "--ignore-sigterm")
    task, stop = await start_stack([child], lines, grace=1.0)
    await wait_for_line(lines, "Ctrl-C stops them all")
    stop.set()
    async with asyncio.timeout(30):
        assert await task == 1
    assert "stt did not stop within 1 s: killing it" in lines


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    async with FakeHomeAssistant(token="token") as fake:
        yield fake


async def run_up_until_healthy(argv: list[str], uris: list[str], timeout: float) -> tuple[int, str]:
    """`wyoming-voice up` as a real process: wait until it says it is up and every URI
    answers describe, then SIGTERM it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wyoming_voice.cli",
        "up",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=REPO,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while not any("Ctrl-C stops them all" in line for line in lines):
                line = await process.stdout.readline()
                assert line, "up exited early:\n" + "\n".join(lines)
                lines.append(line.decode(errors="replace").rstrip())
            for uri in uris:
                await describe(uri, 2)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            rest, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "\n".join(lines) + "\n" + rest.decode(errors="replace")
    return process.returncode or 0, output


def require_services(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(f"{m}.__main__") is None]
    if missing:
        pytest.skip(f"services not written yet: {', '.join(missing)}")


async def test_up_runs_the_agent_against_home_assistant(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    require_services("wyoming_llm")
    token = tmp_path / "token"
    token.write_text(hass.token, encoding="utf-8")
    port = free_port()
    argv = [
        "--services",
        "llm",
        "--host",
        "127.0.0.1",
        "--llm-port",
        str(port),
        "--no-zeroconf",
        "--data-dir",
        str(tmp_path),
        "--hass-url",
        hass.url,
        "--hass-token-file",
        str(token),
    ]
    code, output = await run_up_until_healthy(argv, [f"tcp://127.0.0.1:{port}"], 120)
    assert code == 0, output
    assert "wyoming-voice is up" in output
    assert "stopping llm" in output


async def test_up_runs_stt_tts_and_agent(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    require_services("wyoming_stt", "wyoming_tts", "wyoming_llm")
    token = tmp_path / "token"
    token.write_text(hass.token, encoding="utf-8")
    ports = {name: free_port() for name in ("stt", "tts", "llm")}
    argv = [
        "--services",
        "stt,tts,llm",
        "--host",
        "127.0.0.1",
        "--no-zeroconf",
        "--data-dir",
        str(tmp_path),
        "--hass-url",
        hass.url,
        "--hass-token-file",
        str(token),
    ]
    for name, port in ports.items():
        argv += [f"--{name}-port", str(port)]
    uris = [f"tcp://127.0.0.1:{port}" for port in ports.values()]
    code, output = await run_up_until_healthy(argv, uris, 300)
    assert code == 0, output
    assert output.count("tcp://127.0.0.1:") >= 3
    assert "stopping stt, tts, llm" in output


async def run_up(*argv: str, timeout: float = 60) -> tuple[int, str]:
    """`wyoming-voice up ARGV` as a real process, until it exits by itself."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_voice.cli", "up", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO,
    )  # fmt: skip
    try:
        async with asyncio.timeout(timeout):
            output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, output.decode(errors="replace")


async def test_taken_ports_are_named_with_their_flag_before_anything_starts(
    tmp_path: Path,
) -> None:
    """Someone else's services on the ports: say which port and flag, start nothing, and never
    claim to be up (issue 15.5)."""
    import socket

    from tests.ops.wyoming_fakes import serve_info, stt_info

    tts_port = free_port()
    async with serve_info(stt_info()) as other_stt:
        stt_port = int(other_stt.rsplit(":", 1)[1])
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", tts_port))
            squatter.listen()
            code, output = await run_up(
                "--services", "stt,tts", "--host", "127.0.0.1", "--no-zeroconf",
                "--stt-port", str(stt_port), "--tts-port", str(tts_port),
                "--data-dir", str(tmp_path),
            )  # fmt: skip
    assert code == 2, output  # a usage error: the flag chose a taken port
    assert (
        f"error: port {stt_port} for stt is already in use by a Wyoming service "
        "(asr: wyoming-voice-whisper" in output
    )
    assert "or choose another port with --stt-port" in output
    assert f"port {tts_port} for tts is already in use by a program that is not a Wyoming" in output
    assert "--tts-port" in output and f"sport = :{tts_port}" in output
    assert "nothing was started" in output
    assert "wyoming-voice is up" not in output and "stopping" not in output
