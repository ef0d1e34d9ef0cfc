"""`wyoming-voice doctor`: ports, Home Assistant, models and memory, exit codes."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from tests.ops.wyoming_fakes import DescribeOnlyHandler, serve_info, stt_info
from tests.support.services import running_service
from tests.support.tiny_piper import build_tiny_piper_voice
from tests.support.tiny_whisper import build_tiny_whisper_model
from wyoming_common.discovery import routable_address
from wyoming_voice.doctor import main
from wyoming_voice.doctor_models import GIB, Model, find_models, memory_report
from wyoming_voice.doctor_network import check_hass, check_port
from wyoming_voice.doctor_system import check_tts_engines, probe


@pytest.fixture(autouse=True)
def no_home_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the default model folders out of the tests (HOME and XDG_DATA_HOME in tmp)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))


@pytest.fixture
def listening_socket() -> Iterator[int]:
    """A port held by something that is not a Wyoming service."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


async def test_free_port_is_ok() -> None:
    port = free_port()
    check = await check_port("127.0.0.1", port)
    assert (check.status, check.detail) == ("ok", f"{port} is free")


async def test_port_taken_by_another_program_is_a_problem(listening_socket: int) -> None:
    async with asyncio.timeout(10):
        check = await check_port("127.0.0.1", listening_socket)
    assert check.status == "FAIL"
    assert "not a Wyoming service" in check.detail
    assert f"sport = :{listening_socket}" in check.fix


needs_lan = pytest.mark.skipif(
    routable_address().startswith("127."), reason="this machine has no LAN address"
)


@needs_lan
async def test_a_wyoming_service_on_every_interface_is_fine() -> None:
    port = free_port()
    factory = partial(DescribeOnlyHandler, info=stt_info)
    async with running_service(factory, uri=f"tcp://0.0.0.0:{port}"):
        async with asyncio.timeout(10):
            check = await check_port("0.0.0.0", port)
    assert check.status == "ok", check
    assert "a Wyoming service (asr: wyoming-voice-whisper" in check.detail


@needs_lan
async def test_a_service_on_loopback_only_is_flagged_for_a_home_assistant_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with serve_info(stt_info()) as uri:  # listens on 127.0.0.1
        port = int(uri.rsplit(":", 1)[1])
        async with asyncio.timeout(10):
            check = await check_port("0.0.0.0", port)
        assert check.status == "warn"
        assert "listens on 127.0.0.1 only: a Home Assistant on another machine cannot" in (
            check.detail
        )
        assert f"--uri tcp://0.0.0.0:{port}" in check.fix
        # With a Home Assistant on another machine it is a problem, not a warning.
        elsewhere = ["--no-gpu", "--ports", str(port), "--hass-url", "http://192.0.2.77:8123"]
        assert await run_main(*elsewhere) == 1
    out = capsys.readouterr().out
    assert f"FAIL  port     {port}: a Wyoming service" in out


def test_tts_engine_is_what_the_service_would_run(tmp_path: Path) -> None:
    """No Piper voice and no espeak-ng: tts would exit, so the doctor must not say ok."""
    [broken] = check_tts_engines([], espeak_command=str(tmp_path / "no-espeak-ng"))
    assert broken.status == "FAIL"
    assert "espeak-ng is not installed" in broken.detail and "espeak-ng" in broken.fix
    if shutil.which("espeak-ng"):
        fallback = check_tts_engines([])
        assert fallback[0].status == "ok" and fallback[0].detail.startswith("tts: espeak-ng (")
    if importlib.util.find_spec("piper"):
        piper = check_tts_engines(["en_US-joe-medium"], espeak_command=str(tmp_path / "none"))
        assert piper[0].detail.startswith("tts: piper (1 Piper voice(s) found)")
        assert piper[1].status == "info" and "no fallback" in piper[1].detail


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    async with FakeHomeAssistant(token="good-token") as fake:
        yield fake


def token(tmp_path: Path, value: str) -> Path:
    path = tmp_path / f"token-{value}"
    path.write_text(value + "\n", encoding="utf-8")
    return path


async def test_home_assistant_reachable(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    async with asyncio.timeout(10):
        check = await check_hass(hass.url, token(tmp_path, "good-token"), 5)
    assert check.status == "ok"
    assert f"Home Assistant {hass.version} at {hass.url}, token accepted" == check.detail


async def test_home_assistant_rejecting_the_token(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    async with asyncio.timeout(10):
        check = await check_hass(hass.url, token(tmp_path, "bad"), 5)
    assert check.status == "FAIL"
    assert "rejected the token" in check.detail
    assert "long-lived access token" in check.fix


async def test_home_assistant_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with asyncio.timeout(10):
        check = await check_hass(url, token(tmp_path, "t"), 2)
    assert check.status == "FAIL"
    assert check.detail.startswith(f"cannot reach {url}")
    assert "--hass-url" in check.fix


async def run_main(*argv: str) -> int:
    async with asyncio.timeout(120):
        return await asyncio.to_thread(main, list(argv), "wyoming-voice doctor")


async def test_exit_code_follows_the_findings(
    hass: FakeHomeAssistant,
    tmp_path: Path,
    listening_socket: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = token(tmp_path, "good-token")
    base = [
        "--no-gpu",
        "--host",
        "127.0.0.1",
        "--hass-url",
        hass.url,
        "--hass-token-file",
        str(good),
    ]
    assert await run_main(*base, "--ports", str(free_port())) == 0
    assert "No problems found." in capsys.readouterr().out

    assert await run_main(*base, "--ports", str(listening_socket)) == 1
    out = capsys.readouterr().out
    assert "FAIL  port" in out and "fix: stop it" in out
    assert "1 problem(s) to fix." in out

    unreachable = f"http://127.0.0.1:{free_port()}"
    args = ["--no-gpu", "--ports", "", "--hass-url", unreachable, "--hass-token-file", str(good)]
    assert await run_main(*args) == 1
    assert f"FAIL  hass     cannot reach {unreachable}" in capsys.readouterr().out


def test_finds_models_of_each_kind(tmp_path: Path) -> None:
    whisper = tmp_path / "stt" / "models--Systran--faster-whisper-small" / "snapshots" / "abc"
    whisper.mkdir(parents=True)
    (whisper / "model.bin").write_bytes(b"\0" * 1000)
    (whisper / "config.json").write_text("{}")
    voice = tmp_path / "tts" / "en_US-lessac-medium.onnx"
    voice.parent.mkdir()
    voice.write_bytes(b"\0" * 500)
    voice.with_name("en_US-lessac-medium.onnx.json").write_text("{}")
    (tmp_path / "tts" / "stray.onnx").write_bytes(b"\0")  # no config: not a Piper voice
    gguf = tmp_path / "llm" / "qwen2.5-3b-instruct-q4_k_m.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"\0" * 2000)

    models = find_models([tmp_path, tmp_path / "llm", tmp_path / "missing"])

    assert [(m.kind, m.path, m.size) for m in models] == [
        ("llm", gguf, 2000),
        ("stt", whisper, 1002),
        ("tts", voice, 500),
    ]


def test_memory_budget_against_vram() -> None:
    models = [
        Model("llm", Path("/m/big.gguf"), 10 * GIB),
        Model("llm", Path("/m/small.gguf"), 2 * GIB),
        Model("stt", Path("/m/whisper"), 1 * GIB),
    ]
    fits = memory_report(models, {}, vram=16 * GIB)
    assert not [c for c in fits if c.status == "FAIL"]
    assert any("stack: about 11.00 GiB for llm big.gguf, stt whisper" in c.detail for c in fits)
    assert any("estimated from file sizes" in c.detail for c in fits)

    too_big = memory_report(models, {Path("/m/whisper"): 7 * GIB}, vram=16 * GIB)
    [problem] = [c for c in too_big if c.status == "FAIL"]
    assert problem.detail == "the models (17.0 GiB) exceed VRAM (16.0 GiB)"
    assert "quantized" in problem.fix


def test_measures_the_memory_a_model_adds(tmp_path: Path) -> None:
    whisper = build_tiny_whisper_model(tmp_path / "whisper")
    voice = build_tiny_piper_voice(tmp_path / "piper")
    assert probe("measure", "stt", str(whisper), timeout=120).get("rss", 0) > 0
    assert probe("measure", "tts", str(voice), timeout=120).get("rss", 0) > 0
    gguf = Path(__file__).resolve().parents[3] / "shared" / "models" / "llm" / "stories260K.gguf"
    if importlib.util.find_spec("llama_cpp") and gguf.exists():
        assert probe("measure", "llm", str(gguf), timeout=120).get("rss", 0) > 0
