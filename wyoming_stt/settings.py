"""Flags of `wyoming-voice stt` (each also read from WYOMING_STT_*), declared once, frozen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wyoming_common.config import (
    ServiceSettings,
    option,
    parse_settings,
    positive_float,
    positive_int,
    read_env,
    service_group,
)
from wyoming_common.env_args import EnvArgumentParser
from wyoming_common.errors import ConfigError
from wyoming_common.hass import websocket_url
from wyoming_common.info import wyoming_language
from wyoming_common.options import settings_parser

from .selection import DEVICES, ENGINES

ENV_PREFIX = "WYOMING_STT"
DEFAULT_PORT = 10300
DEFAULT_DATA_DIR = Path("~/.local/share/wyoming-voice/stt")
DEFAULT_MAX_SECONDS = 30.0
HASS_SECTION = (
    "Home Assistant (optional: the names of the entities exposed to Assist, their aliases and "
    "the areas join the grammar (pocketsphinx) or the prompt (Whisper), and follow HA's changes)"
)

DESCRIPTION = """\
Speech-to-text Wyoming server for Home Assistant's Assist pipelines.

Engines: faster-whisper (Whisper on a CUDA GPU in float16, or on the CPU in int8; the model
is downloaded from the Hugging Face hub on first use) and pocketsphinx (embedded, offline,
no download; a command grammar: the built-in smart-home commands, or --phrases-file, with
names from --names-file and Home Assistant; --general-model for its general English model).
--engine auto uses faster-whisper when --model is set, and pocketsphinx when it is not.
A --model that cannot be loaded stops the service (exit 2); it never falls back.

examples:
  wyoming-voice stt --model small --language en --zeroconf
  wyoming-voice stt --model /models/whisper-large-v3 --device cuda
  wyoming-voice stt --engine pocketsphinx --names-file names.txt
  wyoming-voice stt --hass-url http://homeassistant.local:8123 --hass-token-file ~/.ha-token
"""


@dataclass(frozen=True)
class HassSource:
    """Where to ask Home Assistant for names: its URL and a long-lived token (never logged)."""

    url: str
    token: str = field(repr=False)
    timeout: float = 5.0


@dataclass(frozen=True)
class SttSettings:
    """Everything the STT service is configured with."""

    engine: str = option(
        "auto",
        choices=ENGINES,
        section="engine",
        help="speech recogniser; auto = faster-whisper when --model is set, else pocketsphinx",
    )
    model: str | None = option(
        None,
        section="engine",
        help="Whisper model: a folder, a size name (tiny, base.en, small, medium, large-v3, "
        "turbo, ...) or a hub id (Systran/faster-whisper-small)",
    )
    device: str = option(
        "auto", choices=DEVICES, section="engine", help="auto = cuda when a GPU is present"
    )
    compute_type: str = option(
        "auto",
        section="engine",
        help="CTranslate2 compute type; auto = float16 on CUDA, int8 on CPU",
    )
    language: str | None = option(
        None,
        section="engine",
        help="language when the client names none (en, de, ...); default: auto-detect",
    )
    beam_size: int = option(
        5,
        type=positive_int,
        section="engine",
        help="Whisper beam size (1 = fastest)",
    )
    max_seconds: float = option(
        DEFAULT_MAX_SECONDS,
        type=positive_float,
        section="engine",
        help="longest audio per request; at the cap the audio so far is transcribed at once "
        "and the rest of the stream is ignored",
    )
    general_model: bool = option(
        False,
        section="engine",
        help="pocketsphinx: its general English language model (any words, loosely and "
        "slowly) instead of a command grammar",
    )
    data_dirs: tuple[Path, ...] = option(
        (),
        flag="--data-dir",
        repeat=True,
        type=Path,
        section="files",
        help=f"folder with model folders, repeatable (default: {DEFAULT_DATA_DIR})",
    )
    download_dir: Path | None = option(
        None,
        type=Path,
        section="files",
        help="where missing Whisper models are downloaded (default: the first --data-dir)",
    )
    names_file: Path | None = option(
        None,
        type=Path,
        section="files",
        help="names to recognise, one per line: entities (`light: Desk Lamp` gives the kind), "
        "areas (`area: Attic`) or either (a plain line); Whisper prompt, pocketsphinx grammar",
    )
    phrases_file: Path | None = option(
        None,
        type=Path,
        section="files",
        help="pocketsphinx command phrases, one per line: words, [optional], (a | b), {name}, "
        "{area}, {number}, {count} (but one), typed name slots such as {light} or {cover} "
        "(docs/stt.md) "
        "(default: the built-in smart-home commands)",
    )
    hass_url: str | None = option(
        None,
        section=HASS_SECTION,
        help="Home Assistant to ask for entity, alias and area names, "
        "e.g. http://homeassistant.local:8123",
    )
    hass_token_file: Path | None = option(
        None,
        type=Path,
        section=HASS_SECTION,
        help=f"file holding a long-lived access token (or {ENV_PREFIX}_HASS_TOKEN)",
    )
    service: ServiceSettings = service_group("stt", DEFAULT_PORT)
    hass: HassSource | None = field(default=None, init=False, repr=False, compare=False)
    """Derived from --hass-url and the token."""

    def __post_init__(self) -> None:
        for flag, path in (
            ("--names-file", self.names_file),
            ("--phrases-file", self.phrases_file),
        ):
            if path is not None and not path.expanduser().is_file():
                raise ConfigError(flag, f"no such file: {path}")
        if self.general_model and self.phrases_file:
            raise ConfigError(
                "--general-model", "use either --phrases-file or --general-model, not both"
            )
        language = self.language
        if language is not None:
            cleaned = language.strip().lower()
            language = None if cleaned in ("", "auto") else wyoming_language(language)
        object.__setattr__(self, "language", language)
        object.__setattr__(self, "model", self.model or None)
        object.__setattr__(self, "hass", _hass_source(self.hass_url, self.hass_token_file))

    @property
    def data_dir_paths(self) -> tuple[Path, ...]:
        """--data-dir folders (the default one when none is given), expanded."""
        return tuple(path.expanduser() for path in (self.data_dirs or (DEFAULT_DATA_DIR,)))

    @property
    def download_path(self) -> Path:
        """Where missing Whisper models go."""
        return self.download_dir.expanduser() if self.download_dir else self.data_dir_paths[0]

    @property
    def names_path(self) -> Path | None:
        """--names-file, expanded."""
        return self.names_file.expanduser() if self.names_file else None

    @property
    def phrases_path(self) -> Path | None:
        """--phrases-file, expanded."""
        return self.phrases_file.expanduser() if self.phrases_file else None


def _hass_source(url: str | None, token_file: Path | None) -> HassSource | None:
    """Where to ask Home Assistant for names; ConfigError names the flag that is wrong."""
    if not url:
        return None  # a token alone (e.g. a systemd credential always handed over) is unused
    try:
        websocket_url(url)
    except ValueError as err:
        raise ConfigError("--hass-url", str(err)) from err
    if token_file is not None:
        path = token_file.expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError("--hass-token-file", f"cannot read {path}: {err.strerror}") from err
    else:
        token = (read_env(f"{ENV_PREFIX}_HASS_TOKEN") or "").strip()
    if not token:
        raise ConfigError(
            "--hass-token-file", "a long-lived access token is needed with --hass-url"
        )
    return HassSource(url=url, token=token)


def build_parser(prog: str) -> EnvArgumentParser:
    """The argument parser (flags fall back to WYOMING_STT_<FLAG> variables)."""
    return settings_parser(SttSettings, prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION)


def parse(argv: Sequence[str] | None, prog: str = "wyoming-voice stt") -> SttSettings:
    """The settings from argv and the environment; a bad value exits 2 naming the flag."""
    settings: SttSettings = parse_settings(
        SttSettings, argv, prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION
    )
    return settings
