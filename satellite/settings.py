"""Every flag of `wyoming-voice satellite`, declared once on frozen settings (each also read
from WYOMING_SATELLITE_<FLAG>); the groups live next to the code they configure."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from voice_pipeline.endpoints import EndpointSettings
from voice_pipeline.vad import VadSettings
from wyoming_common.config import (
    ServiceSettings,
    group,
    option,
    parse_settings,
    service_group,
    wyoming_uri,
)

from .arbitration.settings import ArbitrationSettings
from .devices.settings import (
    DuckSettings,
    MicSettings,
    SndSettings,
    SoundSettings,
    non_negative_float,
)
from .wake.settings import WakeSettings

ENV_PREFIX = "WYOMING_SATELLITE"

__all__ = [
    "ArbitrationSettings",
    "DuckSettings",
    "EndpointSettings",
    "HookSettings",
    "MicSettings",
    "SatelliteSettings",
    "SndSettings",
    "SoundSettings",
    "VadSettings",
    "WakeSettings",
    "parse_satellite_settings",
]

DESCRIPTION = """\
Room satellite: microphone, speaker, local wake word and voice activity detection.
Home Assistant connects to it (port 10700) and runs its Assist pipeline on the audio;
with --stt-uri/--agent-uri/--tts-uri or --discover it also answers on its own
(wake -> STT -> agent -> TTS over Wyoming) whenever Home Assistant is not connected.
"""


def default_name() -> str:
    """A readable default satellite name from the host name."""
    return f"{socket.gethostname().split('.')[0]} satellite"


@dataclass(frozen=True)
class HookSettings:
    """Where state changes are reported (LEDs, buttons, dashboards)."""

    command: str | None = option(
        None,
        flag="--event-command",
        help="program run on each state change with a JSON object on stdin",
    )
    uri: str | None = option(
        None,
        flag="--event-uri",
        type=wyoming_uri,
        help="Wyoming service that receives state changes",
    )

    def __post_init__(self) -> None:
        if self.command == "":
            object.__setattr__(self, "command", None)


@dataclass(frozen=True)
class SatelliteSettings:
    """Everything the satellite needs, frozen."""

    list_devices: bool = option(
        False,
        env=False,
        help="list ALSA capture and playback devices (arecord -L / aplay -L) and exit",
    )
    name: str = option(help="satellite name shown in Home Assistant", factory=default_name)
    area: str | None = option(None, help="area (room) of the satellite")
    mic: MicSettings = group(MicSettings, title="microphone")
    snd: SndSettings = group(SndSettings, title="speaker")
    sounds: SoundSettings = group(SoundSettings, title="feedback sounds")
    duck: DuckSettings = group(DuckSettings, title="ducking other audio")
    wake: WakeSettings = group(WakeSettings, title="wake word")
    arbitration: ArbitrationSettings = group(ArbitrationSettings, title="arbitration")
    vad: VadSettings = group(VadSettings, title="voice activity (standalone mode)")
    follow_up_seconds: float = option(
        5.0,
        type=non_negative_float,
        section="voice activity (standalone mode)",
        help="after a reply that asks a question, listen this long without the wake word "
        "(0: never)",
    )
    standalone: EndpointSettings = group(EndpointSettings, title="standalone pipeline")
    hooks: HookSettings = group(HookSettings, title="event hooks")
    service: ServiceSettings = service_group("satellite", 10700)

    def __post_init__(self) -> None:
        if not self.name.strip():
            object.__setattr__(self, "name", default_name())
        if self.area == "":
            object.__setattr__(self, "area", None)


def parse_satellite_settings(
    argv: Sequence[str] | None, prog: str, environ: Mapping[str, str] | None = None
) -> SatelliteSettings:
    """Parse argv and the environment; a bad value exits 2 naming the flag."""
    settings: SatelliteSettings = parse_settings(
        SatelliteSettings,
        argv,
        prog=prog,
        env_prefix=ENV_PREFIX,
        description=DESCRIPTION,
        environ=environ,
    )
    return settings
