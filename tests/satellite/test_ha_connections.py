"""Several Home Assistant connections at once (HA 2026.11 duplicate entries, issue 15 item 2):
what a connection sets belongs to it; the satellite serves the connection that is alive."""

from __future__ import annotations

import asyncio

import pytest
from wyoming.wake import Detection

from satellite.settings import SndSettings, WakeSettings
from tests.fake_hass.wyoming_service import SatelliteConnection, SatelliteEntries

from .harness import (
    ScriptedMicrophone,
    command_clip,
    pcm_of,
    running_satellite,
    satellite_settings,
    wait_until,
    wake_clip,
)
from .wyoming_services import speech_audio

pytestmark = pytest.mark.timeout(60)


async def _command_through(entry: SatelliteConnection, mic: ScriptedMicrophone) -> None:
    """Wake word + command: the detection, the pipeline and the audio reach this entry."""
    mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
    detection, _ = await entry.wait_for("detection")
    assert Detection.from_event(detection).name == "okay_nabu"
    await entry.wait_for("run-pipeline")
    assert len(await entry.collect_audio(seconds=1.0)) >= 32000
    await entry.pipeline_stt_events("turn on the kitchen lights")
    await entry.send_audio(speech_audio("Done"))
    await entry.wait_for("played")


async def test_removing_a_duplicate_entry_leaves_the_first_one_working() -> None:
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None), wake=WakeSettings(refractory_seconds=0.1)
    )
    entries = SatelliteEntries()
    async with running_satellite(settings, mic) as (parts, runner):
        try:
            entry_a = await entries.add("A", runner.uri)
            await wait_until(lambda: parts.satellite.ha.active_server is not None, 10.0)
            entry_b = await entries.add("B", runner.uri)
            await wait_until(lambda: len(parts.satellite.ha._running) == 2, 10.0)

            await entries.remove("B")  # HA: pause-satellite on B, then B disconnects
            await wait_until(lambda: len(parts.satellite.ha._running) == 1, 10.0)
            await asyncio.sleep(0.2)
            assert parts.satellite.ha.active_server is not None
            states = [c.state.value for c in parts.hooks.history]
            assert "disconnected" not in states and states[-1] == "connected", states

            await _command_through(entry_a, mic)
            assert entry_b.closed.is_set()
            assert not entry_a.pings.late, entry_a.pings
        finally:
            await entries.close()


async def test_a_paused_entry_does_not_pause_the_others() -> None:
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None), wake=WakeSettings(refractory_seconds=0.1)
    )
    entries = SatelliteEntries()
    async with running_satellite(settings, mic) as (parts, runner):
        try:
            entry_a = await entries.add("A", runner.uri)
            entry_b = await entries.add("B", runner.uri)
            await wait_until(lambda: len(parts.satellite.ha._running) == 2, 10.0)
            await entry_a.pause()  # A's mute switch: B (the latest) keeps serving
            await wait_until(lambda: len(parts.satellite.ha._running) == 1, 10.0)
            await _command_through(entry_b, mic)
            await entry_b.pause()
            await wait_until(lambda: parts.satellite.ha.active_server is None, 10.0)
            assert parts.hooks.history[-1].state.value == "idle"
        finally:
            await entries.close()
