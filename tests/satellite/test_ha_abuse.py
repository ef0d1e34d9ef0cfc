"""A misbehaving Home Assistant connection (issue 14): bad formats are refused with
`bad-request` and the connection stays; a flood of reply audio is bounded and dropped when its
sender leaves."""

from __future__ import annotations

import asyncio

import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.error import Error
from wyoming.event import Event

from satellite.devices.playback_stream import MAX_STREAM_BYTES
from satellite.settings import SndSettings
from tests.fake_hass.wyoming_service import SatelliteConnection

from .harness import ScriptedMicrophone, running_satellite, satellite_settings, wait_until
from .wyoming_services import speech_audio

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("rate", [0, "22050", -5, 10**9])
async def test_bad_audio_format_is_refused_and_the_connection_stays(rate: object) -> None:
    settings = satellite_settings(snd=SndSettings(command=None))
    async with running_satellite(settings, ScriptedMicrophone()) as (_parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await ha.send(Event("audio-start", {"rate": rate, "width": 2, "channels": 1}))
            error, _ = await ha.wait_for("error")
            assert Error.from_event(error).code == "bad-request"
            await ha.send_audio(speech_audio("Dinner is ready"))  # still served
            await ha.wait_for("played")
            assert not ha.closed.is_set()
        finally:
            await ha.close()


async def test_a_flood_of_reply_audio_is_bounded_and_dropped_when_the_sender_leaves() -> None:
    settings = satellite_settings(snd=SndSettings(command=None))
    async with running_satellite(settings, ScriptedMicrophone()) as (parts, runner):
        # a speaker that never plays: everything stays queued
        parts.player.speaker = _StuckSpeaker()
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        await ha.send(AudioStart(22050, 2, 1).event())
        chunk = AudioChunk(22050, 2, 1, bytes(1 << 20)).event()
        for _ in range((MAX_STREAM_BYTES >> 20) + 8):
            await ha.send(chunk)
        await wait_until(lambda: parts.player.current is not None, 10.0)
        stream = parts.player.current
        assert stream is not None
        await wait_until(lambda: stream.dropped_bytes >= 4 << 20, 10.0)
        assert stream._queued_bytes <= MAX_STREAM_BYTES
        await ha.close()  # gone without audio-stop
        await wait_until(lambda: stream.cancelled and stream._queue.qsize() <= 1, 10.0)


class _StuckSpeaker:
    description = "stuck"

    async def play(self, fmt: object, audio: object) -> None:
        await asyncio.Event().wait()
