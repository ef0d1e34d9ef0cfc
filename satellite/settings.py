"""Frozen settings of the satellite, built once from the parsed command line and environment."""

from __future__ import annotations

import argparse
import socket
from dataclasses import dataclass, field
from pathlib import Path

from voice_pipeline.endpoints import EndpointSettings
from voice_pipeline.vad import VadSettings
from wyoming_common.config import ServiceSettings, service_settings
from wyoming_common.errors import ConfigError

DEFAULT_MIC_COMMAND = "arecord -q -r 16000 -c 1 -f S16_LE -t raw"
DEFAULT_SND_COMMAND = "aplay -q -r 22050 -c 1 -f S16_LE -t raw"


@dataclass(frozen=True)
class MicSettings:
    """Where microphone audio comes from and how it is conditioned."""

    command: str | None = DEFAULT_MIC_COMMAND
    uri: str | None = None
    wav_files: tuple[Path, ...] = ()
    rate: int = 16000
    channels: int = 1
    volume: float = 1.0
    noise_suppression: int = 0
    auto_gain: int = 0


@dataclass(frozen=True)
class SndSettings:
    """Where replies, announcements and feedback sounds are played."""

    command: str | None = DEFAULT_SND_COMMAND
    uri: str | None = None
    rate: int = 22050
    channels: int = 1
    volume: float = 1.0
    lead_in_seconds: float = 0.1


@dataclass(frozen=True)
class SoundSettings:
    """Feedback sounds; None means the built-in tone (timer, error) or no sound (awake, done)."""

    awake_wav: Path | None = None
    done_wav: Path | None = None
    timer_wav: Path | None = None
    error_wav: Path | None = None
    timer_repeat: int = 3


@dataclass(frozen=True)
class WakeSettings:
    """Local wake word engine and models, or a remote Wyoming wake service."""

    engine: str = "micro"
    words: tuple[str, ...] = ("okay_nabu",)
    threshold: float | None = None
    refractory_seconds: float = 2.0
    uri: str | None = None
    preroll_seconds: float = 0.3


@dataclass(frozen=True)
class HookSettings:
    """Where state changes are reported (LEDs, buttons, dashboards)."""

    command: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class SatelliteSettings:
    """Everything the satellite needs, frozen."""

    service: ServiceSettings
    name: str
    area: str | None = None
    mic: MicSettings = field(default_factory=MicSettings)
    snd: SndSettings = field(default_factory=SndSettings)
    sounds: SoundSettings = field(default_factory=SoundSettings)
    wake: WakeSettings = field(default_factory=WakeSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    standalone: EndpointSettings = field(default_factory=EndpointSettings)
    hooks: HookSettings = field(default_factory=HookSettings)


def default_name() -> str:
    """A readable default satellite name from the host name."""
    return f"{socket.gethostname().split('.')[0]} satellite"


def _optional(text: str | None) -> str | None:
    return text if text else None


def build_settings(args: argparse.Namespace) -> SatelliteSettings:
    """Freeze the parsed flags; ConfigError names the offending flag."""
    wav_files = tuple(args.mic_wav or ())
    for path in wav_files:
        if not path.is_file():
            raise ConfigError("--mic-wav", f"no such file: {path}")
    if args.mic_uri and wav_files:
        raise ConfigError("--mic-uri", "use either --mic-uri or --mic-wav")
    for flag, path in (
        ("--awake-wav", args.awake_wav),
        ("--done-wav", args.done_wav),
        ("--timer-wav", args.timer_wav),
        ("--error-wav", args.error_wav),
    ):
        if path is not None and not path.is_file():
            raise ConfigError(flag, f"no such file: {path}")
    words = tuple(args.wake_word or ("okay_nabu",))
    if args.vad_silence >= args.max_command_seconds:
        raise ConfigError("--vad-silence", "must be shorter than --max-command-seconds")
    return SatelliteSettings(
        service=service_settings(args),
        name=args.name or default_name(),
        area=_optional(args.area),
        mic=MicSettings(
            command=_optional(args.mic_command),
            uri=args.mic_uri,
            wav_files=wav_files,
            rate=args.mic_rate,
            channels=args.mic_channels,
            volume=args.mic_volume,
            noise_suppression=args.mic_noise_suppression,
            auto_gain=args.mic_auto_gain,
        ),
        snd=SndSettings(
            command=_optional(args.snd_command),
            uri=args.snd_uri,
            rate=args.snd_rate,
            channels=args.snd_channels,
            volume=args.snd_volume,
            lead_in_seconds=args.snd_lead_in,
        ),
        sounds=SoundSettings(
            awake_wav=args.awake_wav,
            done_wav=args.done_wav,
            timer_wav=args.timer_wav,
            error_wav=args.error_wav,
            timer_repeat=args.timer_repeat,
        ),
        wake=WakeSettings(
            engine=args.wake_engine,
            words=words,
            threshold=args.wake_threshold,
            refractory_seconds=args.wake_refractory,
            uri=args.wake_uri,
            preroll_seconds=args.preroll,
        ),
        vad=VadSettings(
            threshold=args.vad_threshold,
            silence_seconds=args.vad_silence,
            max_command_seconds=args.max_command_seconds,
            no_speech_seconds=args.no_speech_seconds,
        ),
        standalone=EndpointSettings(
            stt_uri=args.stt_uri,
            agent_uri=args.agent_uri,
            tts_uri=args.tts_uri,
            discover=bool(args.discover),
            discover_seconds=args.discover_seconds,
            language=args.language,
            voice=_optional(args.voice),
        ),
        hooks=HookSettings(command=_optional(args.event_command), uri=args.event_uri),
    )
