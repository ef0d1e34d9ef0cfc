"""Command-line flags of `wyoming-voice satellite` (each also read from WYOMING_SATELLITE_*)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wyoming_common.config import (
    EnvArgumentParser,
    add_service_arguments,
    positive_float,
    positive_int,
    wyoming_uri,
)
from wyoming_common.errors import ConfigError

from .settings import (
    DEFAULT_MIC_COMMAND,
    DEFAULT_SND_COMMAND,
    SatelliteSettings,
    build_settings,
)

ENV_PREFIX = "WYOMING_SATELLITE"
WAKE_ENGINES = ("micro", "openwakeword")

_DESCRIPTION = """\
Room satellite: microphone, speaker, local wake word and voice activity detection.
Home Assistant connects to it (port 10700) and runs its Assist pipeline on the audio;
with --stt-uri/--agent-uri/--tts-uri or --discover it also answers on its own
(wake -> STT -> agent -> TTS over Wyoming) whenever Home Assistant is not connected.
"""


class _ReplaceDefaultAppend(argparse._AppendAction):
    """Repeatable flag whose first explicit use replaces the default/env list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        marker = f"_{self.dest}_explicit"
        if not getattr(namespace, marker, False):
            setattr(namespace, self.dest, [])
            setattr(namespace, marker, True)
        super().__call__(parser, namespace, values, option_string)


def unit_float(text: str) -> float:
    """argparse type: a float in [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a float >= 0."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def build_parser(
    prog: str = "wyoming-voice satellite", environ: Mapping[str, str] | None = None
) -> EnvArgumentParser:
    """The satellite's parser; every flag also reads WYOMING_SATELLITE_<FLAG>."""
    parser = EnvArgumentParser(
        prog=prog, env_prefix=ENV_PREFIX, description=_DESCRIPTION, environ=environ
    )
    parser.add_argument(
        "--list-devices",
        action="store_true",
        env=False,
        help="list ALSA capture and playback devices (arecord -L / aplay -L) and exit",
    )
    parser.add_argument("--name", default=None, help="satellite name shown in Home Assistant")
    parser.add_argument("--area", default=None, help="area (room) of the satellite")

    mic = parser.add_argument_group("microphone")
    mic.add_argument(
        "--mic-command",
        default=DEFAULT_MIC_COMMAND,
        help="program writing raw 16-bit PCM to stdout (pick a device with -D, see --list-devices)",
    )
    mic.add_argument("--mic-rate", type=positive_int, default=16000, help="--mic-command rate")
    mic.add_argument(
        "--mic-channels", type=positive_int, default=1, help="--mic-command channel count"
    )
    mic.add_argument("--mic-uri", type=wyoming_uri, help="remote Wyoming microphone service")
    mic.add_argument(
        "--mic-wav",
        action=_ReplaceDefaultAppend,
        type=Path,
        metavar="FILE",
        help="play WAV file(s) as the microphone, then silence (testing; repeatable)",
    )
    mic.add_argument(
        "--mic-volume", type=positive_float, default=1.0, help="microphone gain multiplier"
    )
    mic.add_argument(
        "--mic-noise-suppression",
        type=int,
        choices=range(5),
        default=0,
        metavar="0-4",
        help="webrtc noise suppression level (needs webrtc-noise-gain; 0 = off)",
    )
    mic.add_argument(
        "--mic-auto-gain",
        type=int,
        choices=range(32),
        default=0,
        metavar="0-31",
        help="webrtc automatic gain target in dBFS (needs webrtc-noise-gain; 0 = off)",
    )

    snd = parser.add_argument_group("speaker")
    snd.add_argument(
        "--snd-command",
        default=DEFAULT_SND_COMMAND,
        help="program playing raw 16-bit PCM from stdin (empty string: no speaker)",
    )
    snd.add_argument("--snd-rate", type=positive_int, default=22050, help="--snd-command rate")
    snd.add_argument(
        "--snd-channels", type=positive_int, default=1, help="--snd-command channel count"
    )
    snd.add_argument("--snd-uri", type=wyoming_uri, help="remote Wyoming sound service")
    snd.add_argument("--snd-volume", type=unit_float, default=1.0, help="speaker volume (0 to 1)")
    snd.add_argument(
        "--snd-lead-in",
        type=non_negative_float,
        default=0.1,
        help="seconds of silence before each sound, so a waking DAC never clips the start",
    )

    sounds = parser.add_argument_group("feedback sounds")
    sounds.add_argument("--awake-wav", type=Path, help="WAV played when the wake word is heard")
    sounds.add_argument("--done-wav", type=Path, help="WAV played when the command has ended")
    sounds.add_argument(
        "--timer-wav", type=Path, help="WAV rung when a timer finishes (default: built-in alarm)"
    )
    sounds.add_argument(
        "--error-wav", type=Path, help="WAV played on errors (default: built-in error tone)"
    )
    sounds.add_argument(
        "--timer-repeat", type=positive_int, default=3, help="times the timer alarm rings"
    )

    wake = parser.add_argument_group("wake word")
    wake.add_argument(
        "--wake-engine", choices=WAKE_ENGINES, default="micro", help="local wake word engine"
    )
    wake.add_argument(
        "--wake-word",
        action=_ReplaceDefaultAppend,
        metavar="NAME",
        help="built-in model name or model file; repeatable (default: okay_nabu)",
    )
    wake.add_argument(
        "--wake-threshold",
        type=unit_float,
        help="detection probability (default: the model's own cut-off; 0.5 for openwakeword)",
    )
    wake.add_argument(
        "--wake-refractory",
        type=non_negative_float,
        default=2.0,
        help="seconds during which the same wake word cannot trigger again",
    )
    wake.add_argument("--wake-uri", type=wyoming_uri, help="remote Wyoming wake word service")
    wake.add_argument(
        "--preroll",
        type=non_negative_float,
        default=0.3,
        help="seconds of audio kept from before the command starts: the whole window for a "
        "Home Assistant trigger or a --wake-uri service (which answers late); for a local "
        "wake word only the audio after the word, never the word itself",
    )

    vad = parser.add_argument_group("voice activity (standalone mode)")
    vad.add_argument("--vad-threshold", type=unit_float, default=0.5, help="speech probability")
    vad.add_argument(
        "--vad-silence",
        type=positive_float,
        default=0.7,
        help="seconds of silence that end a command",
    )
    vad.add_argument(
        "--max-command-seconds",
        type=positive_float,
        default=15.0,
        help="longest command streamed, in both modes",
    )
    vad.add_argument(
        "--no-speech-seconds",
        type=positive_float,
        default=6.0,
        help="give up when nobody speaks this long after the wake word",
    )

    pipe = parser.add_argument_group("standalone pipeline")
    pipe.add_argument("--stt-uri", type=wyoming_uri, help="speech-to-text service")
    pipe.add_argument("--agent-uri", type=wyoming_uri, help="conversation agent (handle) service")
    pipe.add_argument("--tts-uri", type=wyoming_uri, help="text-to-speech service")
    pipe.add_argument("--discover", action="store_true", help="find missing services over zeroconf")
    pipe.add_argument(
        "--discover-seconds", type=positive_float, default=3.0, help="zeroconf browse time"
    )
    pipe.add_argument("--language", default="en", help="language sent to STT and the agent")
    pipe.add_argument("--voice", help="TTS voice name (default: the service's default)")

    hooks = parser.add_argument_group("event hooks")
    hooks.add_argument(
        "--event-command",
        help="program run on each state change with a JSON object on stdin",
    )
    hooks.add_argument(
        "--event-uri", type=wyoming_uri, help="Wyoming service that receives state changes"
    )
    add_service_arguments(parser, default_port=10700, service="satellite")
    return parser


def parse_settings(
    argv: Sequence[str] | None, prog: str, environ: Mapping[str, str] | None = None
) -> SatelliteSettings | None:
    """Parse argv into settings; None when --list-devices was asked for."""
    parser = build_parser(prog, environ)
    args = parser.parse_args(argv)
    if args.list_devices:
        return None
    try:
        return build_settings(args)
    except ConfigError as err:
        parser.error(str(err))
