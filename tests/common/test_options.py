"""Flags declared once on settings dataclasses: generated options, env fallback, read back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from wyoming_common.config import (
    ServiceSettings,
    option,
    parse_settings,
    positive_int,
    service_group,
)
from wyoming_common.errors import ConfigError
from wyoming_common.options import group, settings_parser


@dataclass(frozen=True)
class Speech:
    length_scale: float | None = option(None, type=float, help="speaking time")
    sentence_silence: float = option(0.0, type=float, help="silence after each sentence")


@dataclass(frozen=True)
class Example:
    voice: str | None = option(None, help="default voice")
    data_dirs: tuple[Path, ...] = option(
        (), flag="--data-dir", repeat=True, type=Path, metavar="DIR", help="voice folders"
    )
    languages: tuple[str, ...] = option(("en",), flag="--language", nargs="+", help="languages")
    engine: str = option("auto", choices=("auto", "piper"), help="engine")
    chunk: int = option(1024, type=positive_int, help="samples per chunk")
    streaming: bool = option(True, help="advertise streaming")
    verbose: bool = option(False, help="say more")
    token: str | None = option(None, secret=True, help="API token")
    speech: Speech = group(Speech, title="speech")
    service: ServiceSettings = service_group("example", 10999)

    def __post_init__(self) -> None:
        if self.voice == "nobody":
            raise ConfigError("--voice", "no such voice: nobody")


def parse(argv: list[str], environ: dict[str, str] | None = None) -> Example:
    settings: Example = parse_settings(
        Example, argv, prog="example", env_prefix="EX", environ=environ or {}
    )
    return settings


def test_defaults_come_from_the_fields() -> None:
    settings = parse([])
    assert settings == Example()
    assert settings.service.uri == "tcp://0.0.0.0:10999"
    assert settings.data_dirs == ()
    assert settings.languages == ("en",)
    assert settings.streaming is True
    assert Example().service.uri == "tcp://0.0.0.0:10999"


def test_flags_fill_every_field_and_lists_become_tuples() -> None:
    settings = parse(
        [
            "--voice=joe",
            "--data-dir",
            "/a",
            "--data-dir",
            "/b",
            "--language",
            "en",
            "de",
            "--engine",
            "piper",
            "--chunk",
            "512",
            "--no-streaming",
            "--verbose",
            "--length-scale",
            "1.2",
            "--uri",
            "tcp://127.0.0.1:1",
            "--zeroconf",
            "--debug",
        ]
    )
    assert settings.voice == "joe"
    assert settings.data_dirs == (Path("/a"), Path("/b"))
    assert settings.languages == ("en", "de")
    assert settings.engine == "piper"
    assert settings.chunk == 512
    assert settings.streaming is False
    assert settings.verbose is True
    assert settings.speech == Speech(length_scale=1.2)
    assert settings.service.uri == "tcp://127.0.0.1:1"
    assert settings.service.zeroconf_name is not None
    assert settings.service.zeroconf_name.startswith("wyoming-voice-example-")
    assert settings.service.debug is True


def test_environment_is_named_after_the_flag_and_the_flag_wins() -> None:
    environ = {
        "EX_DATA_DIR": "/x,/y",
        "EX_STREAMING": "0",
        "EX_VOICE": "amy",
        "EX_LENGTH_SCALE": "0.9",
        "EX_URI": "tcp://127.0.0.1:2",
        "EX_TOKEN": "sekrit",
    }
    settings = parse([], environ)
    assert settings.data_dirs == (Path("/x"), Path("/y"))
    assert settings.streaming is False
    assert settings.voice == "amy"
    assert settings.speech.length_scale == 0.9
    assert settings.service.uri == "tcp://127.0.0.1:2"
    assert settings.token == "sekrit"
    assert parse(["--voice", "joe", "--data-dir", "/z"], environ).data_dirs == (Path("/z"),)
    assert parse(["--voice", "joe"], environ).voice == "joe"


def test_help_lists_flags_env_vars_and_hides_secrets_and_switch_defaults() -> None:
    text = settings_parser(
        Example, prog="example", env_prefix="EX", environ={"EX_TOKEN": "sekrit"}
    ).format_help()
    for expected in (
        "--data-dir DIR",
        "[env: EX_DATA_DIR]",
        "--no-streaming",
        "[env: EX_STREAMING]",
        "--zeroconf [NAME]",
        "(default: 1024)",
        "speech:",
        "service:",
    ):
        assert expected in text
    assert "sekrit" not in text
    assert "(default: True)" not in text
    assert "(default: False)" not in text
    assert "(default: None)" not in text


def test_a_check_failing_exits_2_with_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(["--voice", "nobody"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "example: error: --voice: no such voice: nobody"
    assert len(err) == 2 and "--help" in err[1]


def test_bad_values_and_typos_get_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--chunk", "0"])
    assert "--chunk" in capsys.readouterr().err.splitlines()[0]
    with pytest.raises(SystemExit):
        parse(["--voise", "joe"])
    first = capsys.readouterr().err.splitlines()[0]
    assert "unrecognized arguments: --voise joe" in first
    assert "did you mean --voice?" in first
    with pytest.raises(SystemExit):
        parse([], {"EX_CHUNK": "many"})
    assert "EX_CHUNK='many' is invalid for --chunk" in capsys.readouterr().err


def test_zeroconf_needs_tcp() -> None:
    with pytest.raises(SystemExit):
        parse(["--uri", "unix:///tmp/x.sock", "--zeroconf"])
    with pytest.raises(ConfigError):
        ServiceSettings(uri="stdio://", zeroconf_name="x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "wyoming-voice-example-HOST"),  # as `--zeroconf` alone (the systemd env files)
        ("1", "wyoming-voice-example-HOST"),
        ("on", "wyoming-voice-example-HOST"),
        ("TRUE", "wyoming-voice-example-HOST"),
        ("yes", "wyoming-voice-example-HOST"),
        ("0", None),
        ("false", None),
        ("No", None),
        (" off ", None),
        ("kitchen", "kitchen"),
    ],
)
def test_an_optional_value_flag_reads_on_off_or_a_value(
    value: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socket.gethostname", lambda: "HOST.lan")

    @dataclass(frozen=True)
    class Zeroconf:
        service: ServiceSettings = service_group("example", 10999)

    settings = parse_settings(
        Zeroconf, [], prog="z", env_prefix="EX", environ={"EX_ZEROCONF": value}
    )
    assert settings.service.zeroconf_name == expected
    explicit = parse_settings(
        Zeroconf, ["--zeroconf", "x"], prog="z", env_prefix="EX", environ={"EX_ZEROCONF": "0"}
    )
    assert explicit.service.zeroconf_name == "x"  # the flag wins


@pytest.mark.parametrize(
    ("value", "paths"),
    [
        ("/srv/my voices,/usr/share/piper", ("/srv/my voices", "/usr/share/piper")),
        ("/srv/my voices:/b", ("/srv/my voices", "/b")),
        ("/a\n/b c\n", ("/a", "/b c")),
        (" /a , /b ", ("/a", "/b")),
        ("/one folder", ("/one folder",)),
    ],
)
def test_path_lists_never_split_on_spaces(value: str, paths: tuple[str, ...]) -> None:
    assert parse([], {"EX_DATA_DIR": value}).data_dirs == tuple(Path(p) for p in paths)


def test_other_lists_split_on_commas_and_spaces() -> None:
    assert parse([], {"EX_LANGUAGE": "en, de fr"}).languages == ("en", "de", "fr")


def test_help_says_how_to_write_lists_and_optional_values() -> None:
    text = " ".join(settings_parser(Example, prog="example", env_prefix="EX").format_help().split())
    assert "[env: EX_DATA_DIR]" in text and "[env: EX_ZEROCONF]" in text
    assert "paths are separated by commas or ':' (never spaces)" in text
    assert "off when 0/false/no/off" in text
