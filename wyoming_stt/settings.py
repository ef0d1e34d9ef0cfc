"""Command-line flags of `wyoming-voice stt` (each also read from WYOMING_STT_*), frozen."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import (
    EnvArgumentParser,
    ServiceSettings,
    add_service_arguments,
    positive_float,
    positive_int,
    read_env,
    service_settings,
)
from wyoming_common.errors import ConfigError
from wyoming_common.hass_ws import websocket_url
from wyoming_common.info import wyoming_language

from .handler import DEFAULT_MAX_SECONDS
from .hass_names import HassSource
from .selection import DEVICES, ENGINES

ENV_PREFIX = "WYOMING_STT"
DEFAULT_PORT = 10300
DEFAULT_DATA_DIR = Path("~/.local/share/wyoming-voice/stt")

DESCRIPTION = """\
Speech-to-text Wyoming server for Home Assistant's Assist pipelines.

Engines: faster-whisper (Whisper on a CUDA GPU in float16, or on the CPU in int8; the model
is downloaded from the Hugging Face hub on first use) and pocketsphinx (embedded, offline,
no download; a command grammar: the built-in smart-home commands, or --phrases-file, with
names from --names-file and Home Assistant; --general-model for its general English model).
--engine auto uses faster-whisper when --model is set and faster-whisper is installed, and
pocketsphinx otherwise.

examples:
  wyoming-voice stt --model small --language en --zeroconf
  wyoming-voice stt --model /models/whisper-large-v3 --device cuda
  wyoming-voice stt --engine pocketsphinx --names-file names.txt
  wyoming-voice stt --hass-url http://homeassistant.local:8123 --hass-token-file ~/.ha-token
"""


@dataclass(frozen=True)
class SttSettings:
    """Everything the STT service is configured with."""

    service: ServiceSettings
    engine: str
    model: str | None
    device: str
    compute_type: str
    language: str | None
    beam_size: int
    data_dirs: tuple[Path, ...]
    download_dir: Path
    names_file: Path | None
    phrases_file: Path | None
    max_seconds: float
    general_model: bool = False
    hass: HassSource | None = None


def build_parser(prog: str) -> EnvArgumentParser:
    """The argument parser (flags fall back to WYOMING_STT_<FLAG> variables)."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix=ENV_PREFIX,
        description=DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    engine = parser.add_argument_group("engine")
    engine.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="speech recogniser; auto = faster-whisper when --model is set and installed",
    )
    engine.add_argument(
        "--model",
        default=None,
        help="Whisper model: a folder, a size name (tiny, base.en, small, medium, large-v3, "
        "turbo, ...) or a hub id (Systran/faster-whisper-small)",
    )
    engine.add_argument(
        "--device", choices=DEVICES, default="auto", help="auto = cuda when a GPU is present"
    )
    engine.add_argument(
        "--compute-type",
        default="auto",
        help="CTranslate2 compute type; auto = float16 on CUDA, int8 on CPU",
    )
    engine.add_argument(
        "--language",
        default=None,
        help="language when the client names none (en, de, ...); default: auto-detect",
    )
    engine.add_argument(
        "--beam-size", type=positive_int, default=5, help="Whisper beam size (1 = fastest)"
    )
    engine.add_argument(
        "--max-seconds",
        type=positive_float,
        default=DEFAULT_MAX_SECONDS,
        help="longest audio per request; at the cap the audio so far is transcribed at once "
        "and the rest of the stream is ignored",
    )
    files = parser.add_argument_group("files")
    files.add_argument(
        "--data-dir",
        action="append",
        type=Path,
        default=None,
        help=f"folder with model folders, repeatable (default: {DEFAULT_DATA_DIR})",
    )
    files.add_argument(
        "--download-dir",
        type=Path,
        default=None,
        help="where missing Whisper models are downloaded (default: the first --data-dir)",
    )
    files.add_argument(
        "--names-file",
        type=Path,
        default=None,
        help="names to recognise (entities, areas), one per line: Whisper prompt, "
        "pocketsphinx grammar",
    )
    files.add_argument(
        "--phrases-file",
        type=Path,
        default=None,
        help="pocketsphinx command phrases, one per line: words, [optional], (a | b), {name}, "
        "{area}, {number} (default: the built-in smart-home commands)",
    )
    engine.add_argument(
        "--general-model",
        action="store_true",
        help="pocketsphinx: its general English language model (any words, loosely and "
        "slowly) instead of a command grammar",
    )
    hass = parser.add_argument_group(
        "Home Assistant (optional: names of the entities exposed to Assist and of the areas "
        "join the pocketsphinx grammar)"
    )
    hass.add_argument(
        "--hass-url",
        help="Home Assistant whose entity and area names join the pocketsphinx grammar, "
        "e.g. http://homeassistant.local:8123",
    )
    hass.add_argument(
        "--hass-token-file",
        type=Path,
        help=f"file holding a long-lived access token (or {ENV_PREFIX}_HASS_TOKEN)",
    )
    add_service_arguments(parser, default_port=DEFAULT_PORT, service="stt")
    return parser


def settings_from_args(args: argparse.Namespace) -> SttSettings:
    """Validate and freeze the parsed flags; ConfigError names the flag."""
    data_dirs = tuple(Path(p).expanduser() for p in (args.data_dir or [DEFAULT_DATA_DIR]))
    download_dir = Path(args.download_dir).expanduser() if args.download_dir else data_dirs[0]
    for flag, path in (("--names-file", args.names_file), ("--phrases-file", args.phrases_file)):
        if path is not None and not Path(path).expanduser().is_file():
            raise ConfigError(flag, f"no such file: {path}")
    if args.general_model and args.phrases_file:
        raise ConfigError(
            "--general-model", "use either --phrases-file or --general-model, not both"
        )
    language = args.language
    if language is not None:
        language = None if language.strip().lower() in ("", "auto") else wyoming_language(language)
    return SttSettings(
        service=service_settings(args),
        engine=args.engine,
        model=args.model or None,
        device=args.device,
        compute_type=args.compute_type,
        language=language,
        beam_size=args.beam_size,
        data_dirs=data_dirs,
        download_dir=download_dir,
        names_file=Path(args.names_file).expanduser() if args.names_file else None,
        phrases_file=Path(args.phrases_file).expanduser() if args.phrases_file else None,
        max_seconds=args.max_seconds,
        general_model=bool(args.general_model),
        hass=_hass_source(args.hass_url, args.hass_token_file),
    )


def _hass_source(url: str | None, token_file: Path | None) -> HassSource | None:
    """Where to ask Home Assistant for names; ConfigError names the flag that is wrong."""
    if not url:
        return None  # a token alone (e.g. a systemd credential always handed over) is unused
    try:
        websocket_url(url)
    except ValueError as err:
        raise ConfigError("--hass-url", str(err)) from err
    if token_file is not None:
        path = Path(token_file).expanduser()
        try:
            token: str | None = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError("--hass-token-file", f"cannot read {path}: {err.strerror}") from err
    else:
        token = (read_env(f"{ENV_PREFIX}_HASS_TOKEN") or "").strip()
    if not token:
        raise ConfigError(
            "--hass-token-file", "a long-lived access token is needed with --hass-url"
        )
    return HassSource(url=url, token=token)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the help (unless there is none), the description's line breaks kept."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)
