"""Start a real satellite (server, microphone, wake word, speaker) on loopback for tests."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from wyoming.info import Info

from satellite.arbitration.settings import ArbitrationSettings
from satellite.assembly import SatelliteParts, build_runner, build_satellite
from satellite.devices.mic import WavMicrophone
from satellite.settings import (
    EndpointSettings,
    MicSettings,
    SatelliteSettings,
    SndSettings,
    VadSettings,
)
from tests.support.services import loopback_settings, shared_path
from wyoming_common.audio import STT_FORMAT
from wyoming_common.runner import ServiceRunner
from wyoming_voice.bench.satellite_room import RoomMicrophone

from .audio_services import Playback, SndHandler
from .wyoming_services import serve

MIC_SPEED = 4.0  # the WAV microphone plays 4x faster than real time


class ScriptedMicrophone(RoomMicrophone):
    """The room's microphone, plus how much of what the test said is still to be "spoken"."""

    def __init__(self, *, speed: float = MIC_SPEED) -> None:
        super().__init__(speed=speed)

    @property
    def pending_seconds(self) -> float:
        """Seconds of queued speech not yet played."""
        return STT_FORMAT.seconds(len(self._pending) - self._offset)


def wake_clip(name: str = "okay_nabu") -> Path:
    """A wake word recording from ../shared."""
    return shared_path("audio", "wake", f"{name}.wav")


def command_clip(name: str = "turn_on_the_kitchen_lights") -> Path:
    """A command recording from ../shared."""
    return shared_path("audio", "commands", f"{name}.wav")


def pcm_of(path: Path) -> bytes:
    """The frames of a 16 kHz mono 16-bit WAV."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16000, 2, 1)
        return wav.readframes(wav.getnframes())


def satellite_settings(**overrides: Any) -> SatelliteSettings:
    """Settings for a test satellite: no ALSA, loopback server."""
    settings = SatelliteSettings(
        service=loopback_settings(),
        name="Test satellite",
        area="Kitchen",
        mic=MicSettings(command=None),
        snd=SndSettings(command=None, lead_in_seconds=0.05),
        vad=VadSettings(no_speech_seconds=3.0),
        standalone=EndpointSettings(),
        arbitration=ArbitrationSettings(group=None),
        follow_up_seconds=0.0,
    )
    return replace(settings, **overrides)


@asynccontextmanager
async def running_satellite(
    settings: SatelliteSettings, mic: WavMicrophone
) -> AsyncIterator[tuple[SatelliteParts, ServiceRunner]]:
    """Build and start the satellite with the given microphone; stop it afterwards."""
    parts = await asyncio.wait_for(build_satellite(settings, microphone=mic), 30)
    runner = build_runner(settings, parts.satellite)
    await asyncio.wait_for(runner.start(), 30)
    try:
        yield parts, runner
    finally:
        await asyncio.wait_for(runner.stop(), 15)
        await asyncio.wait_for(parts.satellite.stop(), 15)


async def wait_until(predicate: Callable[[], bool], timeout: float, poll: float = 0.02) -> None:
    """Return once predicate() holds; TimeoutError after timeout seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(poll)


def satellite_states(parts: SatelliteParts) -> list[str]:
    """The states the satellite went through so far ("wake", "listening", ..., "idle")."""
    return [change.state.value for change in parts.hooks.history]


@asynccontextmanager
async def recording_speaker() -> AsyncIterator[tuple[str, list[Playback]]]:
    """A Wyoming sound service that records what the satellite plays: (uri, playbacks)."""
    playbacks: list[Playback] = []
    async with serve(SndHandler, Info(), playbacks=playbacks) as runner:
        yield runner.uri, playbacks
