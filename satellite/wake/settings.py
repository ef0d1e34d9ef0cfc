"""Flags of wake word and stop word detection."""

from __future__ import annotations

from dataclasses import dataclass

from wyoming_common.config import option, wyoming_uri

from ..devices.settings import non_negative_float, unit_float

WAKE_ENGINES = ("micro", "openwakeword")


@dataclass(frozen=True)
class WakeSettings:
    """Local wake word engine and models, or a remote Wyoming wake service; the stop word."""

    engine: str = option(
        "micro", flag="--wake-engine", choices=WAKE_ENGINES, help="local wake word engine"
    )
    words: tuple[str, ...] = option(
        ("okay_nabu",),
        flag="--wake-word",
        repeat=True,
        metavar="NAME",
        help="built-in model name or model file; repeatable (default: okay_nabu)",
    )
    threshold: float | None = option(
        None,
        flag="--wake-threshold",
        type=unit_float,
        help="detection probability (default: the model's own cut-off; 0.5 for openwakeword)",
    )
    refractory_seconds: float = option(
        2.0,
        flag="--wake-refractory",
        type=non_negative_float,
        help="seconds during which the same wake word cannot trigger again",
    )
    uri: str | None = option(
        None, flag="--wake-uri", type=wyoming_uri, help="remote Wyoming wake word service"
    )
    preroll_seconds: float = option(
        0.3,
        flag="--preroll",
        type=non_negative_float,
        help="seconds of audio kept from before the command starts: the whole window for a "
        "Home Assistant trigger or a --wake-uri service (which answers late); for a local "
        "wake word only the audio after the word, never the word itself",
    )
    stop_word: str | None = option(
        "stop",
        help="microWakeWord model heard during replies, announcements and timer alarms to "
        "stop them without the wake word: 'stop' (built in) or a model .json file; empty: off",
    )

    def __post_init__(self) -> None:
        if self.stop_word == "":
            object.__setattr__(self, "stop_word", None)
