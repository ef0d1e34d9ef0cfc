"""Flags of the satellite's audio devices: microphone, speaker, feedback sounds, ducking."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import option, positive_float, positive_int, wyoming_uri
from wyoming_common.errors import ConfigError

DEFAULT_MIC_COMMAND = "arecord -q -r 16000 -c 1 -f S16_LE -t raw"
DEFAULT_SND_COMMAND = "aplay -q -r 22050 -c 1 -f S16_LE -t raw"
ECHO_CANCELLERS = ("auto", "speex", "off")


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


def _blank_to_none(settings: object, *names: str) -> None:
    """An empty string means "none" (e.g. --snd-command '' for no speaker)."""
    for name in names:
        if getattr(settings, name) == "":
            object.__setattr__(settings, name, None)


@dataclass(frozen=True)
class MicSettings:
    """Where microphone audio comes from and how it is conditioned."""

    command: str | None = option(
        DEFAULT_MIC_COMMAND,
        flag="--mic-command",
        help="program writing raw 16-bit PCM to stdout (pick a device with -D, see --list-devices)",
    )
    rate: int = option(16000, flag="--mic-rate", type=positive_int, help="--mic-command rate")
    channels: int = option(
        1, flag="--mic-channels", type=positive_int, help="--mic-command channel count"
    )
    uri: str | None = option(
        None, flag="--mic-uri", type=wyoming_uri, help="remote Wyoming microphone service"
    )
    wav_files: tuple[Path, ...] = option(
        (),
        flag="--mic-wav",
        repeat=True,
        type=Path,
        metavar="FILE",
        help="play WAV file(s) as the microphone, then silence (testing; repeatable)",
    )
    volume: float = option(
        1.0, flag="--mic-volume", type=positive_float, help="microphone gain multiplier"
    )
    noise_suppression: int = option(
        0,
        flag="--mic-noise-suppression",
        type=int,
        choices=tuple(range(5)),
        metavar="0-4",
        help="webrtc noise suppression level (needs webrtc-noise-gain; 0 = off)",
    )
    auto_gain: int = option(
        0,
        flag="--mic-auto-gain",
        type=int,
        choices=tuple(range(32)),
        metavar="0-31",
        help="webrtc automatic gain target in dBFS (needs webrtc-noise-gain; 0 = off)",
    )
    echo_cancel: str = option(
        "auto",
        choices=ECHO_CANCELLERS,
        help="remove the satellite's own playback from the microphone: speex (libspeexdsp), "
        "off, or auto (speex when libspeexdsp is installed)",
    )

    def __post_init__(self) -> None:
        _blank_to_none(self, "command")
        for path in self.wav_files:
            if not path.is_file():
                raise ConfigError("--mic-wav", f"no such file: {path}")
        if self.uri and self.wav_files:
            raise ConfigError("--mic-uri", "use either --mic-uri or --mic-wav")


@dataclass(frozen=True)
class SndSettings:
    """Where replies, announcements and feedback sounds are played."""

    command: str | None = option(
        DEFAULT_SND_COMMAND,
        flag="--snd-command",
        help="program playing raw 16-bit PCM from stdin (empty string: no speaker)",
    )
    rate: int = option(22050, flag="--snd-rate", type=positive_int, help="--snd-command rate")
    channels: int = option(
        1, flag="--snd-channels", type=positive_int, help="--snd-command channel count"
    )
    uri: str | None = option(
        None, flag="--snd-uri", type=wyoming_uri, help="remote Wyoming sound service"
    )
    volume: float = option(
        1.0, flag="--snd-volume", type=unit_float, help="speaker volume (0 to 1)"
    )
    lead_in_seconds: float = option(
        0.1,
        flag="--snd-lead-in",
        type=non_negative_float,
        help="seconds of silence before each sound, so a waking DAC never clips the start",
    )
    playback_tail: float = option(
        0.4,
        type=non_negative_float,
        help="seconds after playback during which the wake word and follow-ups stay deaf "
        "(the room's echo of our own voice)",
    )

    def __post_init__(self) -> None:
        _blank_to_none(self, "command")


@dataclass(frozen=True)
class SoundSettings:
    """Feedback sounds; None means the built-in tone (timer, error, listening) or no sound."""

    awake_wav: Path | None = option(None, type=Path, help="WAV played when the wake word is heard")
    done_wav: Path | None = option(None, type=Path, help="WAV played when the command has ended")
    timer_wav: Path | None = option(
        None, type=Path, help="WAV rung when a timer finishes (default: built-in alarm)"
    )
    error_wav: Path | None = option(
        None, type=Path, help="WAV played on errors (default: built-in error tone)"
    )
    timer_repeat: int = option(3, type=positive_int, help="times the timer alarm rings")

    def __post_init__(self) -> None:
        for flag, path in (
            ("--awake-wav", self.awake_wav),
            ("--done-wav", self.done_wav),
            ("--timer-wav", self.timer_wav),
            ("--error-wav", self.error_wav),
        ):
            if path is not None and not path.is_file():
                raise ConfigError(flag, f"no such file: {path}")


@dataclass(frozen=True)
class DuckSettings:
    """Lower other audio while the satellite speaks; restore the exact level after."""

    get_command: str | None = option(
        None,
        flag="--duck-get-command",
        help="program printing the current volume of the audio to duck (e.g. 'wpctl "
        "get-volume @DEFAULT_AUDIO_SINK@'; the first number is read, 0-1 or 0-100%%)",
    )
    set_command: str | None = option(
        None,
        flag="--duck-set-command",
        help="program setting that volume; {volume} is replaced by a 0-1 value (e.g. 'wpctl "
        "set-volume @DEFAULT_AUDIO_SINK@ {volume}')",
    )
    level: float = option(
        0.3,
        flag="--duck-level",
        type=unit_float,
        help="ducked volume as a fraction of the volume before",
    )

    def __post_init__(self) -> None:
        _blank_to_none(self, "get_command", "set_command")
        if bool(self.get_command) != bool(self.set_command):
            raise ConfigError("--duck-set-command", "give both --duck-get-command and it")
        for flag, command in (
            ("--duck-get-command", self.get_command),
            ("--duck-set-command", self.set_command),
        ):
            try:
                if command is not None and not shlex.split(command):
                    raise ValueError("empty command")
            except ValueError as err:  # e.g. "No closing quotation"
                raise ConfigError(flag, f"{err} in {command!r}") from err

    @property
    def enabled(self) -> bool:
        """True when both commands are given."""
        return bool(self.get_command and self.set_command)
