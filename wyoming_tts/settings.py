"""The TTS server's flags (each also read from WYOMING_TTS_* variables) and the frozen
settings built from them, validated with messages that name the flag."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from wyoming_common.config import EnvArgumentParser, positive_float, positive_int
from wyoming_common.errors import ConfigError

from .engines import SpeechSettings
from .piper.download import DEFAULT_VOICES_URL, VOICE_NAME
from .piper.engine import DEVICES

ENV_PREFIX = "WYOMING_TTS"
ENGINES = ("auto", "piper", "espeak-ng")


@dataclass(frozen=True)
class TtsSettings:
    """Everything the TTS service needs besides where to listen."""

    engine: str = "auto"
    voice: str | None = None
    data_dirs: tuple[Path, ...] = ()
    download_dir: Path | None = None
    download_voices: tuple[str, ...] = ()
    voices_url: str = DEFAULT_VOICES_URL
    device: str = "auto"
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    espeak_command: str = "espeak-ng"
    streaming: bool = True
    samples_per_chunk: int = 1024
    cache_bytes: int = 16 * 1024 * 1024
    cache_max_chars: int = 120
    max_sentence_chars: int = 400
    max_text_chars: int = 10_000
    timeout: float = 120.0


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/wyoming-voice/tts (voices live and are downloaded here)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wyoming-voice" / "tts"


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def add_tts_arguments(parser: EnvArgumentParser) -> None:
    """Flags for engines, voices, speech and the protocol (not the server's)."""
    engine = parser.add_argument_group("engine and voices")
    engine.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="auto: Piper when a Piper voice is found, else espeak-ng (no model files needed)",
    )
    engine.add_argument(
        "--voice", help="default voice, e.g. en_US-lessac-medium (Piper) or en-us (espeak-ng)"
    )
    engine.add_argument(
        "--data-dir",
        action="append",
        type=Path,
        metavar="DIR",
        help=f"folder with NAME.onnx + NAME.onnx.json Piper voices; repeatable; "
        f"when none is given: {default_data_dir()}",
    )
    engine.add_argument(
        "--download-dir",
        type=Path,
        metavar="DIR",
        help="where --download-voice puts voices; when not given: the first --data-dir",
    )
    engine.add_argument(
        "--download-voice",
        action="append",
        metavar="NAME",
        help="download this Piper voice at start unless it is already present; repeatable",
    )
    engine.add_argument(
        "--voices-url", default=DEFAULT_VOICES_URL, help="base URL of the Piper voices repository"
    )
    engine.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where Piper runs: auto = CUDA when onnxruntime-gpu and a GPU are present",
    )
    engine.add_argument("--espeak-command", default="espeak-ng", help="the espeak-ng program")

    speech = parser.add_argument_group("speech")
    speech.add_argument(
        "--length-scale", type=positive_float, help="speaking time: > 1 slower, < 1 faster"
    )
    speech.add_argument("--noise-scale", type=_non_negative_float, help="Piper generator noise")
    speech.add_argument("--noise-w", type=_non_negative_float, help="Piper phoneme width noise")
    speech.add_argument(
        "--sentence-silence",
        type=_non_negative_float,
        default=0.0,
        help="seconds of silence after each sentence",
    )

    protocol = parser.add_argument_group("protocol")
    protocol.add_argument(
        "--no-streaming",
        dest="streaming",
        action="store_false",
        help="do not advertise streaming text input (synthesize-start/chunk/stop)",
    )
    protocol.add_argument(
        "--samples-per-chunk", type=positive_int, default=1024, help="samples per audio-chunk"
    )
    protocol.add_argument(
        "--cache-size",
        type=_non_negative_float,
        default=16.0,
        metavar="MB",
        help="memory for recently spoken short sentences (0 turns the cache off)",
    )
    protocol.add_argument(
        "--cache-max-chars", type=positive_int, default=120, help="longest sentence cached"
    )
    protocol.add_argument(
        "--max-sentence-chars",
        type=positive_int,
        default=400,
        help="split longer sentences at a comma or space so speech starts sooner",
    )
    protocol.add_argument(
        "--max-text-chars",
        type=positive_int,
        default=10_000,
        help="longest text one request may carry (synthesize, or a stream's chunks together); "
        "longer text is refused with an error",
    )
    protocol.add_argument(
        "--timeout", type=positive_float, default=120.0, help="seconds one synthesis may take"
    )


def tts_settings(args: argparse.Namespace) -> TtsSettings:
    """Freeze and check the TTS flags."""
    data_dirs = tuple(args.data_dir or [default_data_dir()])
    for voice in args.download_voice or []:
        if not VOICE_NAME.match(voice):
            raise ConfigError(
                "--download-voice", f"{voice!r} is not like LANGUAGE_REGION-NAME-QUALITY"
            )
    if not args.voices_url.startswith(("http://", "https://", "file:")):
        raise ConfigError("--voices-url", f"expected an http(s) URL, got {args.voices_url!r}")
    return TtsSettings(
        engine=args.engine,
        voice=args.voice,
        data_dirs=data_dirs,
        download_dir=args.download_dir or data_dirs[0],
        download_voices=tuple(args.download_voice or ()),
        voices_url=args.voices_url,
        device=args.device,
        speech=SpeechSettings(
            length_scale=args.length_scale,
            noise_scale=args.noise_scale,
            noise_w=args.noise_w,
            sentence_silence=args.sentence_silence,
        ),
        espeak_command=args.espeak_command,
        streaming=bool(args.streaming),
        samples_per_chunk=args.samples_per_chunk,
        cache_bytes=int(args.cache_size * 1024 * 1024),
        cache_max_chars=args.cache_max_chars,
        max_sentence_chars=args.max_sentence_chars,
        max_text_chars=args.max_text_chars,
        timeout=args.timeout,
    )
