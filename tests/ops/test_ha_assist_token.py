"""`bench pipeline --ha-url`: the token never on the command line, clear errors, no traceback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from tests.satellite.harness import command_clip
from wyoming_common.errors import ConfigError
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantConnectionError,
    HomeAssistantError,
)
from wyoming_voice.bench import pipeline as bench
from wyoming_voice.ha_assist import bench_from_args, bench_home_assistant, ha_token

SECRET = "secret-ha-token-1"
PREFIX = "WYOMING_SATELLITE"


def test_no_flag_takes_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    parser = bench.build_parser("bench pipeline")
    assert "--ha-token-file" in parser.format_help()
    assert "--ha-token " not in parser.format_help() + " "
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--audio", "x", "--ha-url", "http://ha:8123", "--ha-token", SECRET])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--ha-token-file FILE" in err and SECRET not in err


def test_token_from_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"{PREFIX}_HA_TOKEN", raising=False)
    monkeypatch.delenv(f"{PREFIX}_HA_TOKEN_FILE", raising=False)
    path = tmp_path / "token"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    assert ha_token(path, PREFIX) == SECRET
    with pytest.raises(ConfigError, match="--ha-token-file") as missing:
        ha_token(tmp_path / "absent", PREFIX)
    assert missing.value.flag == "--ha-token-file"
    with pytest.raises(ConfigError, match=f"{PREFIX}_HA_TOKEN"):
        ha_token(None, PREFIX)
    monkeypatch.setenv(f"{PREFIX}_HA_TOKEN", SECRET)
    assert ha_token(None, PREFIX) == SECRET


async def test_unreachable_home_assistant_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{PREFIX}_HA_TOKEN", SECRET)
    url = f"http://127.0.0.1:{free_port()}"
    args = bench.build_parser("bench pipeline").parse_args(["--audio", "x", "--ha-url", url])
    async with asyncio.timeout(15):
        with pytest.raises(HomeAssistantConnectionError, match="cannot connect") as caught:
            await bench_from_args(args, [tmp_path / "a.wav"], PREFIX)
    assert SECRET not in str(caught.value)


async def test_wrong_token_is_an_auth_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with asyncio.timeout(15), FakeHomeAssistant(token="right") as hass:
        with pytest.raises(HomeAssistantAuthError) as caught:
            await bench_home_assistant(hass.url, SECRET, [tmp_path / "a.wav"])
    assert isinstance(caught.value, HomeAssistantError)
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


async def test_bench_prints_an_error_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_standalone(args: object, files: object) -> tuple[dict[str, list[float]], int]:
        return {}, 0

    monkeypatch.setattr(bench, "bench_wyoming", no_standalone)
    monkeypatch.setenv(f"{PREFIX}_HA_TOKEN", SECRET)
    url = f"http://127.0.0.1:{free_port()}"
    argv = ["--audio", str(command_clip().parent), "--ha-url", url, "--limit", "1"]
    async with asyncio.timeout(30):
        assert await asyncio.to_thread(bench.main, argv) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("error: cannot connect")
    assert "Traceback" not in err and SECRET not in err
