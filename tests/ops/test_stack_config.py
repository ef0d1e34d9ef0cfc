"""`wyoming-voice up --config stack.toml`: every flag as a key, layered under env and flags."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from tests.support.services import REPO
from wyoming_voice.stack import build_children
from wyoming_voice.stack_config import config_environ, load_config
from wyoming_voice.stack_settings import UpSettings, load_settings


def documented_example() -> str:
    """The stack.toml shown in docs/ops.md."""
    text = (REPO / "docs" / "ops.md").read_text(encoding="utf-8")
    match = re.search(r"```toml\n(# stack\.toml.*?)```", text, re.DOTALL)
    assert match, "docs/ops.md shows no stack.toml example"
    return match.group(1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stack.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_sets_every_option(tmp_path: Path) -> None:
    path = write(tmp_path, documented_example())
    fields = {f.name for f in dataclasses.fields(UpSettings)} - {"config"}
    environ = config_environ(UpSettings, load_config(path), "WYOMING_UP")
    assert set(environ) == {f"WYOMING_UP_{name.upper()}" for name in fields}
    settings = load_settings(["--config", str(path)], "up", environ={})
    assert settings.chosen == ("stt", "tts", "llm", "satellite")
    assert settings.stt_model == "small" and settings.ports["llm"] == 10500
    children = {child.name: child for child in build_children(settings, python="/py")}
    assert children["stt"].argv[-2:] == ("--beam-size", "5")
    assert children["satellite"].argv[-2:] == ("--area", "Kitchen")


def test_flags_over_environment_over_file_over_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'services = "stt,tts"\nhost = "127.0.0.1"\nzeroconf = false\n'
        '[stt]\nport = 11300\nmodel = "base"\n[tts]\nport = 11200\n',
    )
    from_file = load_settings(["--config", str(path)], "up", environ={})
    assert (from_file.host, from_file.stt_port, from_file.stt_model) == ("127.0.0.1", 11300, "base")
    assert from_file.zeroconf is False and from_file.grace == 15.0  # default kept
    environ = {"WYOMING_UP_STT_PORT": "12300", "WYOMING_UP_CONFIG": str(path)}
    from_env = load_settings([], "up", environ=environ)  # the file named by the environment
    assert (from_env.stt_port, from_env.tts_port) == (12300, 11200)
    flags = load_settings(["--stt-port", "13300", "--zeroconf"], "up", environ=environ)
    assert flags.stt_port == 13300 and flags.zeroconf is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('stt_modle = "small"', "unknown setting 'stt_modle' (did you mean stt_model?)"),
        ('[stt]\nmodle = "small"', "unknown setting '[stt] modle' (did you mean stt_model?)"),
        ('[stt]\nport = "10300"', "[stt] port: expected an integer, got '10300'"),
        ("debug = 1", "debug: expected true or false, got 1"),
        ("services = 5", "services: expected a string, got 5"),
        ("grace = 0", "stack.toml: grace: must be greater than 0"),
        ("host = ", "is not valid TOML"),
        ("[stt]\nport = 1\n[tts]\nport = 1", "--tts-port: port 1 is also --stt-port"),
    ],
)
def test_a_wrong_file_is_one_line_naming_the_key(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SystemExit) as exit_info:
        load_settings(["--config", str(path)], "up", environ={})
    assert exit_info.value.code == 2
    line = capsys.readouterr().err.splitlines()[0]
    assert message in line, line


def test_a_missing_file_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_settings(["--config", str(tmp_path / "nope.toml")], "up", environ={})
    assert "up: error: --config: cannot read" in capsys.readouterr().err
