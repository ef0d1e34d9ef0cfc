"""`wyoming-voice web` flags: help, environment fallback, validation naming the flag."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fake_hass.testing import free_port
from tests.support.services import REPO
from wyoming_voice import cli
from wyoming_web.__main__ import serve
from wyoming_web.settings import MEBIBYTE, load_settings

URIS = ["--stt-uri", "tcp://a:1", "--agent-uri", "tcp://a:2", "--tts-uri", "tcp://a:3"]


def parse(argv: list[str]):  # type: ignore[no-untyped-def]
    return load_settings(argv, "web")


def test_help_explains_the_flags_and_their_environment(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["web", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "--host", "--port", "--api-key-file", "--max-upload-mb", "--stt-uri", "--agent-uri",
        "--tts-uri", "--discover", "--language", "--voice", "--ssl-certfile",
        "[env: WYOMING_WEB_PORT]", "Authorization: Bearer KEY", "/api/interact",
        "(default: 127.0.0.1)",
    ):  # fmt: skip
        assert words in text, words


def test_defaults_env_and_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = parse(URIS)
    assert (settings.host, settings.port, settings.api_key) == ("127.0.0.1", 8080, None)
    assert settings.is_loopback
    assert settings.max_upload_bytes == 10 * MEBIBYTE
    assert settings.pipeline_options.context == {"satellite_id": "web"}

    monkeypatch.setenv("WYOMING_WEB_PORT", "9000")
    monkeypatch.setenv("WYOMING_WEB_API_KEY", "from-env")
    monkeypatch.setenv("WYOMING_WEB_MAX_UPLOAD_MB", "0.5")
    settings = parse(URIS)
    assert settings.port == 9000 and settings.api_key == "from-env"
    assert settings.max_upload_bytes == MEBIBYTE // 2
    assert "from-env" not in repr(settings)  # never printed

    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    settings = parse(
        [*URIS, "--port", "9100", "--api-key-file", str(key_file), "--host", "0.0.0.0"]
    )
    assert settings.port == 9100 and settings.api_key == "from-file"
    assert not settings.is_loopback


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        ([], "--stt-uri"),
        (["--stt-uri", "tcp://a:1", "--discover"], None),
        ([*URIS, "--ssl-certfile", "/nonexistent.pem"], "--ssl-certfile"),
        ([*URIS, "--api-key-file", "/nonexistent"], "--api-key-file"),
        ([*URIS, "--max-upload-mb", "0"], "--max-upload-mb"),
        ([*URIS, "--port", "70000"], "--port"),
        ([*URIS, "--host", "0.0.0.0"], "--host"),  # beyond loopback without a key
        ([*URIS, "--host", "192.168.1.20"], "--host"),
        ([*URIS, "--allowed-origin", "evil.example"], "--allowed-origin"),
        ([*URIS, "--vad-silence", "5", "--max-turn-seconds", "5"], "--vad-silence"),
    ],
)
def test_invalid_settings_name_the_flag(
    argv: list[str], flag: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    if flag is None:  # --discover fills in the missing ones
        assert parse(argv).services.discover
        return
    with pytest.raises(SystemExit) as exit_info:
        parse(argv)
    assert exit_info.value.code == 2
    [line, hint] = capsys.readouterr().err.strip().splitlines()  # one line, then --help
    assert line.startswith("web: error: ") and flag in line, line
    assert "--help" in hint


def test_open_to_the_network_only_with_a_key(tmp_path: Path) -> None:
    """The real program: exit 2 before binding anything, one line naming --host."""
    argv = [sys.executable, "-m", "wyoming_web", *URIS, "--host", "0.0.0.0", "--port", "1"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd=REPO)
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[0]
    assert "--host" in line and "--api-key-file" in line
    key = tmp_path / "key"
    key.write_text("k")
    lan = ["--host", "0.0.0.0", "--api-key-file", str(key)]
    settings = parse(
        [*URIS, *lan, "--allowed-origin", "https://Dash.Example", "--allowed-host", "voice.lan"]
    )
    assert settings.allowed_origins == ("https://dash.example",)
    assert settings.allowed_hosts == ("voice.lan",)


async def test_serve_over_https_until_stopped(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    port = free_port()
    settings = parse([*URIS, "--port", str(port), "--ssl-certfile", str(cert),
                      "--ssl-keyfile", str(key)])  # fmt: skip
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop))
    try:
        async with asyncio.timeout(20), aiohttp.ClientSession() as session:
            while True:
                try:
                    response = await session.get(f"https://127.0.0.1:{port}/", ssl=False)
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            assert response.status == 200
            assert "Voice console" in await response.text()
    finally:
        stop.set()
        async with asyncio.timeout(10):
            await server
