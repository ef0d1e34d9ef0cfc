"""`wyoming-voice stt` flags, their environment variables, --help, and light imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import REPO
from wyoming_stt.settings import DEFAULT_DATA_DIR, SttSettings, build_parser, parse

FLAGS = (
    "--model",
    "--engine",
    "--device",
    "--compute-type",
    "--language",
    "--beam-size",
    "--data-dir",
    "--download-dir",
    "--names-file",
    "--phrases-file",
    "--general-model",
    "--hass-url",
    "--hass-token-file",
    "--max-seconds",
    "--uri",
    "--zeroconf",
    "--debug",
)


def _parse(argv: list[str]) -> SttSettings:
    return parse(argv, "stt")


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WYOMING_STT_"):
            monkeypatch.delenv(name)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_env(monkeypatch)
    settings = _parse([])
    assert settings.engine == "auto" and settings.model is None
    assert (settings.device, settings.compute_type, settings.beam_size) == ("auto", "auto", 5)
    assert settings.language is None and settings.max_seconds == 30.0
    assert settings.data_dir_paths == (DEFAULT_DATA_DIR.expanduser(),)
    assert settings.download_path == settings.data_dir_paths[0]
    assert settings.service.uri == "tcp://0.0.0.0:10300"
    assert settings.general_model is False and settings.hass is None


def test_environment_and_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _clear_env(monkeypatch)
    names = tmp_path / "names.txt"
    names.write_text("Kitchen Light\n", encoding="utf-8")
    monkeypatch.setenv("WYOMING_STT_MODEL", "small.en")
    monkeypatch.setenv("WYOMING_STT_LANGUAGE", "en_US")
    monkeypatch.setenv("WYOMING_STT_BEAM_SIZE", "2")
    monkeypatch.setenv("WYOMING_STT_DATA_DIR", f"{tmp_path}/a,{tmp_path}/b")
    monkeypatch.setenv("WYOMING_STT_NAMES_FILE", str(names))
    monkeypatch.setenv("WYOMING_STT_URI", "tcp://127.0.0.1:10301")
    settings = _parse(["--beam-size", "3", "--device", "cpu"])
    assert settings.model == "small.en"
    assert settings.language == "en"  # as pipelines ask
    assert settings.beam_size == 3  # the flag wins over the environment
    assert settings.device == "cpu"
    assert settings.data_dir_paths == (tmp_path / "a", tmp_path / "b")
    assert settings.download_path == tmp_path / "a"
    assert settings.names_file == names
    assert settings.service.uri == "tcp://127.0.0.1:10301"
    with pytest.raises(AttributeError):
        settings.model = "other"  # type: ignore[misc]


def test_general_model_flag_and_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _clear_env(monkeypatch)
    assert _parse(["--general-model"]).general_model is True
    monkeypatch.setenv("WYOMING_STT_GENERAL_MODEL", "true")
    assert _parse([]).general_model is True


def test_home_assistant_token_from_file_or_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clear_env(monkeypatch)
    token = tmp_path / "token"
    token.write_text("abc.def\n", encoding="utf-8")
    monkeypatch.setenv("WYOMING_STT_HASS_URL", "http://ha.local:8123")
    monkeypatch.setenv("WYOMING_STT_HASS_TOKEN_FILE", str(token))
    settings = _parse([])
    assert settings.hass is not None
    assert (settings.hass.url, settings.hass.token) == ("http://ha.local:8123", "abc.def")
    assert "abc.def" not in repr(settings)
    monkeypatch.delenv("WYOMING_STT_HASS_TOKEN_FILE")
    monkeypatch.setenv("WYOMING_STT_HASS_TOKEN", "from-env")
    hass = _parse(["--hass-url", "https://ha.example.com"]).hass
    assert hass is not None and hass.token == "from-env"
    monkeypatch.delenv("WYOMING_STT_HASS_URL")
    assert _parse(["--hass-token-file", str(token)]).hass is None  # no URL: not used


def test_auto_language_means_detect(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_env(monkeypatch)
    assert _parse(["--language", "auto"]).language is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--names-file", "/no/such/names.txt"], "--names-file: no such file"),
        (["--phrases-file", "/no/such/phrases.txt"], "--phrases-file: no such file"),
        (["--beam-size", "0"], "--beam-size"),
        (["--max-seconds", "-1"], "--max-seconds"),
        (["--engine", "vosk"], "--engine"),
        (["--general-model", "--phrases-file", __file__], "--general-model: use either"),
        (["--hass-url", "http://ha.local:8123"], "--hass-token-file: a long-lived access token"),
        (["--hass-url", "ha.local:8123", "--hass-token-file", __file__], "--hass-url: expected"),
        (
            ["--hass-url", "http://ha", "--hass-token-file", "/no/token"],
            "--hass-token-file: cannot",
        ),
    ],
)
def test_invalid_values_name_the_flag(
    argv: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _clear_env(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        _parse(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_invalid_environment_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clear_env(monkeypatch)
    monkeypatch.setenv("WYOMING_STT_DEVICE", "tpu")
    with pytest.raises(SystemExit):
        _parse([])
    assert "WYOMING_STT_DEVICE='tpu' is invalid for --device" in capsys.readouterr().err


def test_help_explains_every_flag_and_its_variable() -> None:
    text = " ".join(build_parser("wyoming-voice stt").format_help().split())
    for flag in FLAGS:
        assert flag in text
    assert "[env: WYOMING_STT_MODEL]" in text
    assert "[env: WYOMING_STT_MAX_SECONDS]" in text
    assert "pocketsphinx" in text and "faster-whisper" in text


def test_python_m_help_and_light_imports() -> None:
    """`python -m wyoming_stt --help` works; importing the package loads no ML library."""
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_stt", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: wyoming-voice stt" in result.stdout
    heavy = ("faster_whisper", "ctranslate2", "pocketsphinx", "onnxruntime", "huggingface_hub")
    code = (
        "import sys\n"
        "import wyoming_stt, wyoming_stt.__main__, wyoming_stt.engines, wyoming_voice.bench.stt\n"
        "import wyoming_voice.transcribe, wyoming_stt.handler\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {heavy!r}])\n"
    )
    imports = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert imports.returncode == 0, imports.stderr
    assert imports.stdout.strip() == "[]"
