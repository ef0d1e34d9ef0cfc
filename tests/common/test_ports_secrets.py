"""One port table, one secret reader, and a port in use reported before the engine loads."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from tests.support.services import loopback_settings
from wyoming_common.command import run_service
from wyoming_common.errors import ConfigError
from wyoming_common.ports import DEFAULT_PORTS, check_port_free, listen_uri, local_uri
from wyoming_common.runner import ServiceRunner
from wyoming_common.secrets import read_secret, read_secret_file

from .helpers import recording_factory


def test_port_table() -> None:
    assert DEFAULT_PORTS == {
        "stt": 10300,
        "tts": 10200,
        "llm": 10500,
        "satellite": 10700,
        "wake": 10400,
    }
    assert listen_uri("stt") == "tcp://0.0.0.0:10300"
    assert local_uri("tts") == "tcp://127.0.0.1:10200"


def _taken_port() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock, int(sock.getsockname()[1])


def test_check_port_free_names_the_port_and_flag() -> None:
    sock, port = _taken_port()
    with sock:
        with pytest.raises(ConfigError) as info:
            check_port_free(f"tcp://127.0.0.1:{port}", "--stt-port")
        assert info.value.flag == "--stt-port"
        assert f"port {port} is already in use" in str(info.value)
    check_port_free(f"tcp://127.0.0.1:{port}")  # free again
    check_port_free("unix:///tmp/x.sock")  # not a TCP port: nothing to check


async def test_port_in_use_fails_before_the_engine_loads() -> None:
    sock, port = _taken_port()
    loaded: list[bool] = []

    async def load() -> None:
        loaded.append(True)

    runner = ServiceRunner(
        loopback_settings(uri=f"tcp://127.0.0.1:{port}"),
        recording_factory(),
        service="test",
        load=load,
    )
    with sock:
        async with asyncio.timeout(5):
            with pytest.raises(ConfigError, match=f"--uri: port {port} is already in use"):
                await runner.start()
    assert loaded == []


def test_port_in_use_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    sock, port = _taken_port()

    async def main() -> None:
        runner = ServiceRunner(
            loopback_settings(uri=f"tcp://127.0.0.1:{port}"), recording_factory(), service="stt"
        )
        await runner.run_forever()

    with sock:
        assert run_service("wyoming-voice stt", main()) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Errno" not in err
    assert err.startswith(f"wyoming-voice stt: error: --uri: port {port} is already in use")


def test_address_not_on_this_machine() -> None:
    with pytest.raises(ConfigError, match="not an address of this machine"):
        check_port_free("tcp://192.0.2.1:10300")


def test_read_secret_from_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("  secret-value\n", encoding="utf-8")
    assert read_secret(token, flag="--hass-token-file") == "secret-value"
    assert read_secret_file(str(token), "--x") == "secret-value"
    with pytest.raises(ConfigError, match="--hass-token-file: cannot read"):
        read_secret(tmp_path / "missing", flag="--hass-token-file")
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        read_secret(empty, flag="--api-key-file")


def test_read_secret_from_environment(tmp_path: Path) -> None:
    env = {"APP_TOKEN": " from-env "}
    assert read_secret(None, flag="--token-file", env="APP_TOKEN", environ=env) == "from-env"
    token = tmp_path / "cred"
    token.write_text("from-credential", encoding="utf-8")
    env = {"APP_TOKEN_FILE": str(token)}
    assert read_secret(None, flag="--token-file", env="APP_TOKEN", environ=env) == "from-credential"
    # A credential handed over blank (systemd's SetCredential default) counts as absent.
    token.write_text(" ", encoding="utf-8")
    assert read_secret(None, flag="--token-file", env="APP_TOKEN", environ=env) is None
    assert read_secret(None, flag="--token-file", env="APP_TOKEN", environ={}) is None
    with pytest.raises(ConfigError, match="--token-file: is needed"):
        read_secret(None, flag="--token-file", env="APP_TOKEN", environ={}, required=True)
    # The flag's file wins over the environment.
    token.write_text("file", encoding="utf-8")
    env = {"APP_TOKEN": "env"}
    assert read_secret(token, flag="--token-file", env="APP_TOKEN", environ=env) == "file"
