"""Standalone mode: the satellite answers by itself over loopback Wyoming services."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from wyoming.event import Event
from wyoming.info import Info

from satellite.settings import EndpointSettings, HookSettings, SndSettings, WakeSettings
from tests.fake_hass.wyoming_service import SatelliteConnection

from .audio_services import EventSink, Playback
from .harness import (
    ScriptedMicrophone,
    command_clip,
    pcm_of,
    running_satellite,
    satellite_settings,
    satellite_states,
    wait_until,
    wake_clip,
)
from .wyoming_services import closed_port_uri, pipeline_services, serve, speech_audio

pytestmark = pytest.mark.timeout(60)

REPLY = "Turned on the kitchen lights. Anything else?"


async def test_wake_to_spoken_reply(speaker: tuple[str, list[Playback]], tmp_path: Path) -> None:
    snd_uri, playbacks = speaker
    hook_log = tmp_path / "states.jsonl"
    hook = (
        f"{sys.executable} -c \"import sys; open({str(hook_log)!r}, 'a').write(sys.stdin.read())\""
    )
    events: list[Event] = []
    async with (
        pipeline_services(reply=REPLY, agent_pause=0.2) as (stt, agent, tts, records),
        serve(EventSink, Info(), events=events) as sink,
    ):
        settings = satellite_settings(
            snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
            standalone=EndpointSettings(stt_uri=stt, agent_uri=agent, tts_uri=tts),
            hooks=HookSettings(command=hook, uri=sink.uri),
        )
        mic = ScriptedMicrophone()
        async with running_satellite(settings, mic) as (parts, _runner):
            command = pcm_of(command_clip())
            mic.enqueue(pcm_of(wake_clip()) + command)
            await wait_until(
                lambda: (
                    satellite_states(parts)[-1:] == ["idle"]
                    and "speaking" in satellite_states(parts)
                ),
                15.0,
            )
            assistant = parts.assistant
            assert assistant is not None and assistant.last_result is not None
            result = assistant.last_result
        await wait_until(lambda: len(events) >= 5, 15.0)
    assert satellite_states(parts) == ["wake", "listening", "thinking", "speaking", "idle"]
    assert records["agent"].requests[0]["text"] == "turn on the kitchen lights"
    assert records["agent"].requests[0]["context"]["satellite_id"] == "Test satellite"
    # STT heard the command (pre-roll + speech + the silence that ended it), not much more.
    heard = records["stt"].audio_bytes / 32000
    assert len(command) / 32000 < heard < len(command) / 32000 + 2.0
    reply = [p for p in playbacks if p.seconds > 0.5]
    expected = len(speech_audio("Turned on the kitchen lights.")) + len(
        speech_audio("Anything else?")
    )
    assert len(reply) == 1 and len(reply[0].audio) == expected
    assert result.timings.first_audio is not None
    assert [e.type for e in events] == [
        "detection",
        "streaming-started",
        "streaming-stopped",
        "audio-start",
        "played",
    ]
    lines = [json.loads(line) for line in hook_log.read_text().splitlines()]
    assert [line["state"] for line in lines] == [
        "wake",
        "listening",
        "thinking",
        "speaking",
        "idle",
    ]
    assert lines[0]["name"] == "okay_nabu" and lines[0]["satellite"] == "Test satellite"


async def test_service_down_is_spoken_then_listening_again(
    speaker: tuple[str, list[Playback]],
) -> None:
    snd_uri, playbacks = speaker
    async with pipeline_services() as (_stt, agent, tts, records):
        settings = satellite_settings(
            snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
            standalone=EndpointSettings(stt_uri=closed_port_uri(), agent_uri=agent, tts_uri=tts),
            wake=WakeSettings(refractory_seconds=0.1),
        )
        mic = ScriptedMicrophone()
        speech = pcm_of(wake_clip()) + pcm_of(command_clip())
        async with running_satellite(settings, mic) as (parts, _runner):
            for attempt in (1, 2):
                mic.enqueue(speech)
                await wait_until(lambda n=attempt: satellite_states(parts).count("idle") == n, 15.0)
                await wait_until(lambda: mic.pending_seconds == 0, 15.0)
    spoken = [r["sentence"] for r in records["tts"].requests if "sentence" in r]
    assert spoken == ["Sorry, the speech recognition service is not available."] * 2
    assert satellite_states(parts).count("error") == 2
    assert len([p for p in playbacks if p.seconds > 0.5]) == 2


async def test_everything_down_plays_the_error_tone(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, playbacks = speaker
    down = closed_port_uri()
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
        standalone=EndpointSettings(stt_uri=down, agent_uri=down, tts_uri=down),
    )
    mic = ScriptedMicrophone()
    async with running_satellite(settings, mic) as (parts, _runner):
        mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
        await wait_until(lambda: "idle" in satellite_states(parts), 15.0)
    assert satellite_states(parts) == ["wake", "listening", "error", "idle"]
    assert len(playbacks) == 1 and 0.4 < playbacks[0].seconds < 1.0  # the error tone


async def test_home_assistant_connected_takes_the_wake_word(
    speaker: tuple[str, list[Playback]],
) -> None:
    snd_uri, _playbacks = speaker
    async with pipeline_services() as (stt, agent, tts, records):
        settings = satellite_settings(
            snd=SndSettings(command=None, uri=snd_uri),
            standalone=EndpointSettings(stt_uri=stt, agent_uri=agent, tts_uri=tts),
        )
        mic = ScriptedMicrophone()
        async with running_satellite(settings, mic) as (parts, runner):
            ha = SatelliteConnection(runner.uri)
            await ha.connect()
            try:
                await wait_until(lambda: parts.satellite.ha.active_server is not None, 15.0)
                mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
                await ha.wait_for("run-pipeline")
            finally:
                await ha.close()
    assert records["stt"].audio_bytes == 0
