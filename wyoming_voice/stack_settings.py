"""The flags of `wyoming-voice up` (each also WYOMING_UP_*, and a key of `--config FILE`)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import EnvArgumentParser, option, positive_float
from wyoming_common.errors import ConfigError
from wyoming_common.options import add_flags, read_settings

from .stack_config import ConfigFileError, config_environ, load_config

ENV_PREFIX = "WYOMING_UP"
MODULES = {
    "stt": "wyoming_stt",
    "tts": "wyoming_tts",
    "llm": "wyoming_llm",
    "satellite": "satellite",
}
PORTS = {"stt": 10300, "tts": 10200, "llm": 10500, "satellite": 10700}

DESCRIPTION = """\
Run the voice stack on this machine in one command: speech-to-text, text-to-speech and the
conversation agent (and a satellite) as child processes with one configuration. Checks that
their ports are free, waits until each answers, prints the URIs and how to add them to Home
Assistant; Ctrl-C stops them all. For a permanent setup use the systemd units
(`wyoming-voice install-systemd`).

Settings come from, strongest first: the command line, WYOMING_UP_* variables, --config FILE
(TOML: every flag is a key, e.g. `stt_model = "small"`; see docs/ops.md), the defaults.
"""


def _data_home() -> str:
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(data / "wyoming-voice")


@dataclass(frozen=True)
class UpSettings:
    """The whole stack's configuration, as the flags give it."""

    services: str = option("stt,tts,llm", help="comma-separated: " + ", ".join(MODULES))
    host: str = option(
        "0.0.0.0",
        help="address the services listen on (0.0.0.0: reachable by a Home Assistant on "
        "another machine; 127.0.0.1: this machine only)",
    )
    stt_port: int = option(PORTS["stt"], type=int, help="stt port")
    tts_port: int = option(PORTS["tts"], type=int, help="tts port")
    llm_port: int = option(PORTS["llm"], type=int, help="llm port")
    satellite_port: int = option(PORTS["satellite"], type=int, help="satellite port")
    zeroconf: bool = option(True, help="do not advertise the services to Home Assistant")
    data_dir: str = option(factory=_data_home, help="service S keeps its files in DATA_DIR/S")
    hass_url: str | None = option(
        None, help="Home Assistant URL, for the agent (and for pocketsphinx's entity names)"
    )
    hass_token_file: str | None = option(
        None, help="long-lived access token file, for the agent and pocketsphinx"
    )
    stt_engine: str = option(
        "auto", choices=("auto", "faster-whisper", "pocketsphinx"), help="speech recogniser"
    )
    stt_model: str | None = option(
        None, help="Whisper model: size name (small, large-v3...), hub id or folder"
    )
    tts_engine: str = option("auto", choices=("auto", "piper", "espeak-ng"), help="voice engine")
    tts_voice: str | None = option(None, help="Piper voice, e.g. en_US-lessac-medium")
    llm_model: str | None = option(None, help="GGUF file or Hugging Face id owner/repo:file.gguf")
    stt_args: str = option("", help="more stt flags, as one quoted string")
    tts_args: str = option("", help="more tts flags, as one quoted string")
    llm_args: str = option("", help="more llm flags, as one quoted string")
    satellite_args: str = option("", help="more satellite flags, as one quoted string")
    ready_timeout: float = option(
        900.0,
        type=positive_float,
        help="seconds to wait for the services (first runs download models)",
    )
    grace: float = option(15.0, type=positive_float, help="seconds from SIGTERM to SIGKILL")
    debug: bool = option(False, help="services log at DEBUG level")
    config: str | None = option(None, help="TOML file with any of these settings (docs/ops.md)")

    def __post_init__(self) -> None:
        chosen = self.chosen
        if not chosen or any(name not in MODULES for name in chosen):
            raise ConfigError(
                "--services", f"choose from {', '.join(MODULES)}, got {self.services!r}"
            )
        owner: dict[int, str] = {}
        for name in chosen:
            port, flag = self.ports[name], self.flag_of_port(name)
            if not 0 < port < 65536:
                raise ConfigError(flag, f"must be a port in 1..65535, got {port}")
            if port in owner:
                raise ConfigError(flag, f"port {port} is also {self.flag_of_port(owner[port])}")
            owner[port] = name
        for name in ("ready_timeout", "grace"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"--{name.replace('_', '-')}", "must be greater than 0")
        for name in MODULES:
            try:
                shlex.split(getattr(self, f"{name}_args"))
            except ValueError as err:
                raise ConfigError(f"--{name}-args", str(err)) from err

    @property
    def chosen(self) -> tuple[str, ...]:
        """The services to run, in order, without repeats."""
        return tuple(dict.fromkeys(s.strip() for s in self.services.split(",") if s.strip()))

    @property
    def ports(self) -> dict[str, int]:
        """Port of each service."""
        return {name: int(getattr(self, f"{name}_port")) for name in MODULES}

    @property
    def data_path(self) -> Path:
        """--data-dir, absolute."""
        return Path(self.data_dir).expanduser().absolute()

    def flag_of_port(self, name: str) -> str:
        """The flag that moves a service's port, e.g. --stt-port."""
        return f"--{name}-port"


def build_parser(prog: str, environ: Mapping[str, str] | None = None) -> EnvArgumentParser:
    """The `up` flags, falling back to environ (the environment over the config file)."""
    parser = EnvArgumentParser(
        prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION, environ=environ
    )
    add_flags(parser, UpSettings)
    # `--zeroconf` is the default; kept so command lines that spell it out still work.
    parser.add_argument(
        "--zeroconf", dest="zeroconf", action="store_true", env=False, help="advertise (default)"
    )
    return parser


def _config_path(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """--config FILE (read before the other flags: its values are their defaults)."""
    for index, word in enumerate(argv):
        if word == "--config" and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith("--config="):
            return word.split("=", 1)[1]
    return environ.get(f"{ENV_PREFIX}_CONFIG") or None


def load_settings(
    argv: Sequence[str], prog: str, environ: Mapping[str, str] | None = None
) -> UpSettings:
    """Flags over environment over --config over defaults; exits 2 with one line when wrong."""
    environ = os.environ if environ is None else environ
    path = _config_path(argv, environ)
    try:
        converters = {a.dest: a.type for a in build_parser(prog, {})._actions if callable(a.type)}
        config = load_config(Path(path)) if path else None
        from_file = config_environ(UpSettings, config, ENV_PREFIX, converters) if config else {}
    except ConfigFileError as err:
        build_parser(prog, environ).error(str(err))
    parser = build_parser(prog, {**from_file, **environ})
    try:
        settings: UpSettings = read_settings(UpSettings, parser.parse_args(list(argv)))
    except ConfigError as err:
        parser.error(str(err))
    return settings
