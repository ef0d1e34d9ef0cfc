"""EnvArgumentParser and the shared service flags: env fallback, explicit flag wins, validation."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pytest

from wyoming_common.config import (
    EnvArgumentParser,
    ServiceSettings,
    default_zeroconf_name,
    env_name,
    parse_bool,
    parse_or_exit,
    positive_float,
    positive_int,
    service_group,
    wyoming_uri,
)
from wyoming_common.errors import ConfigError
from wyoming_common.options import add_flags, read_settings


@dataclass(frozen=True)
class SttLike:
    """A service's settings: just the shared service group, on the STT port."""

    service: ServiceSettings = service_group("stt", 10300)


def parser(environ: dict[str, str] | None = None) -> EnvArgumentParser:
    built = EnvArgumentParser(prog="test", env_prefix="WYOMING_TEST", environ=environ or {})
    built.add_argument("--model", default="tiny", help="model name")
    built.add_argument("--beam-size", type=positive_int, default=5)
    built.add_argument("--volume", type=positive_float, default=1.0)
    built.add_argument("--cuda", action="store_true")
    built.add_argument("--no-cache", dest="cache", action="store_false")
    built.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    built.add_argument("--language", nargs="+", default=["en"])
    built.add_argument("--port", type=int, nargs="*", default=[])
    built.add_argument("--interface", action="append")
    built.add_argument("--secret", env=False, default=None)
    built.add_argument("--token", default=None)
    return built


def test_defaults_without_environment() -> None:
    args = parser().parse_args([])
    assert vars(args) == {
        "model": "tiny",
        "beam_size": 5,
        "volume": 1.0,
        "cuda": False,
        "cache": True,
        "device": "cpu",
        "language": ["en"],
        "port": [],
        "interface": None,
        "secret": None,
        "token": None,
    }


def test_environment_fallback_with_types() -> None:
    env = {
        "WYOMING_TEST_MODEL": "base.en",
        "WYOMING_TEST_BEAM_SIZE": "2",
        "WYOMING_TEST_VOLUME": "0.5",
        "WYOMING_TEST_DEVICE": "cuda",
    }
    args = parser(env).parse_args([])
    assert (args.model, args.beam_size, args.volume, args.device) == ("base.en", 2, 0.5, "cuda")


def test_explicit_flag_wins() -> None:
    env = {
        "WYOMING_TEST_MODEL": "base.en",
        "WYOMING_TEST_CUDA": "false",
        "WYOMING_TEST_LANGUAGE": "de fr",
        "WYOMING_TEST_INTERFACE": "10.0.0.1,10.0.0.2",
    }
    args = parser(env).parse_args(
        ["--model", "small", "--cuda", "--language", "nl", "--interface", "127.0.0.1"]
    )
    assert args.model == "small"
    assert args.cuda is True
    assert args.language == ["nl"]
    assert args.interface == ["127.0.0.1"]  # replaces the environment list, not appended


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("yes", True), ("On", True), ("0", False), ("false", False)]
)
def test_booleans_from_environment(raw: str, value: bool) -> None:
    # The variable is named after dest and holds dest's value, for store_false too:
    # WYOMING_TEST_CACHE=0 means cache=False (as if --no-cache were given).
    env = {"WYOMING_TEST_CUDA": raw, "WYOMING_TEST_CACHE": raw}
    args = parser(env).parse_args([])
    assert args.cuda is value
    assert args.cache is value
    assert parser({"WYOMING_TEST_CACHE": "1"}).parse_args(["--no-cache"]).cache is False
    assert parse_bool(" TRUE ") is True and parse_bool("off") is False


def test_lists_from_environment() -> None:
    env = {
        "WYOMING_TEST_LANGUAGE": "en, de  fr",
        "WYOMING_TEST_PORT": "10300,10200",
        "WYOMING_TEST_INTERFACE": "10.0.0.1, 10.0.0.2",
    }
    args = parser(env).parse_args([])
    assert args.language == ["en", "de", "fr"]
    assert args.port == [10300, 10200]
    assert args.interface == ["10.0.0.1", "10.0.0.2"]
    again = parser(env).parse_args([])
    assert again.interface == ["10.0.0.1", "10.0.0.2"]


def test_file_variant(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cr3t-token\n", encoding="utf-8")
    args = parser({"WYOMING_TEST_TOKEN_FILE": str(secret)}).parse_args([])
    assert args.token == "s3cr3t-token"
    # the plain variable wins over _FILE
    both = {"WYOMING_TEST_TOKEN": "direct", "WYOMING_TEST_TOKEN_FILE": str(secret)}
    assert parser(both).parse_args([]).token == "direct"
    # explicit flag wins over both
    assert parser(both).parse_args(["--token", "flag"]).token == "flag"


def test_unreadable_file_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        parser({"WYOMING_TEST_TOKEN_FILE": str(tmp_path / "missing")})
    assert info.value.code == 2
    assert "WYOMING_TEST_TOKEN_FILE" in capsys.readouterr().err


def test_opt_out_of_environment() -> None:
    args = parser({"WYOMING_TEST_SECRET": "from-env"}).parse_args([])
    assert args.secret is None


@pytest.mark.parametrize(
    ("variable", "raw", "flag"),
    [
        ("WYOMING_TEST_BEAM_SIZE", "many", "--beam-size"),
        ("WYOMING_TEST_BEAM_SIZE", "0", "--beam-size"),
        ("WYOMING_TEST_VOLUME", "-1", "--volume"),
        ("WYOMING_TEST_CUDA", "maybe", "--cuda"),
        ("WYOMING_TEST_DEVICE", "tpu", "--device"),
        ("WYOMING_TEST_PORT", "80,http", "--port"),
    ],
)
def test_invalid_environment_value_names_variable_and_flag(
    variable: str, raw: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        parser({variable: raw})
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert variable in err
    assert flag in err
    assert repr(raw) in err


def test_help_shows_environment_names(capsys: pytest.CaptureFixture[str]) -> None:
    built = parser()
    add_flags(built, SttLike)
    with pytest.raises(SystemExit) as info:
        built.parse_args(["--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # undo line wrapping
    for name in ("MODEL", "BEAM_SIZE", "CUDA", "INTERFACE", "URI", "ZEROCONF", "METRICS_PORT"):
        assert f"[env: WYOMING_TEST_{name}]" in text
    assert "WYOMING_TEST_SECRET" not in text
    assert "WYOMING_TEST_HELP" not in text
    assert built.env_names["beam_size"] == "WYOMING_TEST_BEAM_SIZE"
    assert env_name("WYOMING_STT", "model") == "WYOMING_STT_MODEL"


def service_parser(environ: dict[str, str]) -> EnvArgumentParser:
    built = EnvArgumentParser(prog="stt", env_prefix="WYOMING_STT", environ=environ)
    add_flags(built, SttLike)
    return built


def service_settings(args: argparse.Namespace) -> ServiceSettings:
    settings: SttLike = read_settings(SttLike, args)
    return settings.service


def test_service_arguments_defaults() -> None:
    settings = service_settings(service_parser({}).parse_args([]))
    assert settings == ServiceSettings(
        uri="tcp://0.0.0.0:10300",
        zeroconf_name=None,
        zeroconf_host=None,
        metrics_port=None,
        debug=False,
        log_format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def test_service_arguments_from_environment() -> None:
    env = {
        "WYOMING_STT_URI": "tcp://127.0.0.1:10555",
        "WYOMING_STT_ZEROCONF": "",
        "WYOMING_STT_ZEROCONF_HOST": "192.168.1.20",
        "WYOMING_STT_METRICS_PORT": "9100",
        "WYOMING_STT_DEBUG": "true",
    }
    settings = service_settings(service_parser(env).parse_args([]))
    assert settings.uri == "tcp://127.0.0.1:10555"
    assert settings.zeroconf_name == default_zeroconf_name("stt")  # empty value → default name
    assert settings.zeroconf_host == "192.168.1.20"
    assert settings.metrics_port == 9100
    assert settings.debug is True


def test_zeroconf_flag_forms() -> None:
    built = service_parser({})
    assert built.parse_args(["--zeroconf"]).zeroconf == default_zeroconf_name("stt")
    assert built.parse_args(["--zeroconf", "kitchen-stt"]).zeroconf == "kitchen-stt"
    named = service_parser({"WYOMING_STT_ZEROCONF": "den-stt"})
    assert named.parse_args([]).zeroconf == "den-stt"


def test_default_zeroconf_names_differ_per_service() -> None:
    names = {default_zeroconf_name(s) for s in ("stt", "tts", "llm", "satellite")}
    assert len(names) == 4
    assert all(name.startswith("wyoming-voice-") for name in names)
    assert "." not in default_zeroconf_name("stt")


@pytest.mark.parametrize(
    "uri",
    [
        "tcp://0.0.0.0:10300",
        "tcp://127.0.0.1:0",
        "tcp://[::1]:10300",
        "unix:///run/stt.sock",
        "stdio://",
    ],
)
def test_valid_uris(uri: str) -> None:
    assert wyoming_uri(uri) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "tcp://localhost",
        "tcp://:10300",
        "tcp://host:port",
        "tcp://host:99999",
        "unix://",
        "http://127.0.0.1:10300",
        "10300",
        "",
    ],
)
def test_invalid_uris(uri: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        wyoming_uri(uri)


def test_invalid_uri_from_environment_and_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        service_parser({"WYOMING_STT_URI": "localhost:10300"})
    err = capsys.readouterr().err
    assert "WYOMING_STT_URI" in err and "--uri" in err
    with pytest.raises(SystemExit):
        service_parser({}).parse_args(["--uri", "tcp://nope"])
    assert "--uri" in capsys.readouterr().err


def test_zeroconf_needs_tcp(capsys: pytest.CaptureFixture[str]) -> None:
    args = service_parser({}).parse_args(["--uri", "unix:///tmp/x.sock", "--zeroconf"])
    with pytest.raises(ConfigError) as info:
        service_settings(args)
    assert info.value.flag == "--zeroconf"
    assert info.value.code == "config-error"

    with pytest.raises(SystemExit) as exit_info:
        parse_or_exit(
            service_parser({}), ["--uri", "unix:///tmp/x.sock", "--zeroconf"], service_settings
        )
    assert exit_info.value.code == 2
    assert "--zeroconf" in capsys.readouterr().err
    settings = parse_or_exit(service_parser({}), ["--uri", "unix:///tmp/x.sock"], service_settings)
    assert settings.uri == "unix:///tmp/x.sock"


def test_groups_get_the_environment_fallback() -> None:
    built = EnvArgumentParser(prog="t", env_prefix="WYOMING_G", environ={"WYOMING_G_FAST": "1"})
    exclusive = built.add_mutually_exclusive_group()
    exclusive.add_argument("--fast", action="store_true")
    exclusive.add_argument("--accurate", action="store_true")
    group = built.add_argument_group("engine")
    group.add_argument("--threads", type=int, default=1, env=False)
    assert built.parse_args([]).fast is True
    assert built.env_names == {"fast": "WYOMING_G_FAST", "accurate": "WYOMING_G_ACCURATE"}


def test_parser_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WYOMING_OSENV_MODEL", "from-os")
    built = EnvArgumentParser(prog="t", env_prefix="WYOMING_OSENV")
    built.add_argument("--model", default="x")
    assert built.parse_args([]).model == "from-os"


@pytest.mark.parametrize(
    ("convert", "text", "value"),
    [(positive_int, "3", 3), (positive_float, "0.25", 0.25)],
)
def test_positive_types(convert: object, text: str, value: float) -> None:
    assert callable(convert)
    assert convert(text) == value
    with pytest.raises(argparse.ArgumentTypeError):
        convert("0")
    with pytest.raises(ValueError):
        convert("abc")
