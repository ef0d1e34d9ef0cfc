"""Home Assistant satellite mode on loopback, against a fake HA that behaves like HA (§8)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from wyoming.audio import AudioChunk
from wyoming.error import Error
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.snd import Played
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated
from wyoming.wake import Detection

from satellite.devices.sounds import TONE_FORMAT, tone
from satellite.settings import SndSettings, SoundSettings, VadSettings, WakeSettings
from tests.fake_hass.wyoming_service import SatelliteConnection
from tests.support.services import parse_info_with_wyoming_172
from wyoming_common.audio import write_wav

from .audio_services import Playback
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


async def test_wake_command_reply_played(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, playbacks = speaker
    mic = ScriptedMicrophone()
    settings = satellite_settings(snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0.05))
    async with running_satellite(settings, mic) as (parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await wait_until(lambda: ha.info is not None, 10.0)
            assert ha.info is not None and ha.info.satellite is not None
            assert ha.info.satellite.area == "Kitchen"
            wake_pcm, command_pcm = pcm_of(wake_clip()), pcm_of(command_clip())
            mic.enqueue(wake_pcm + command_pcm)

            detection, _ = await ha.wait_for("detection")
            assert Detection.from_event(detection).name == "okay_nabu"
            run, _ = await ha.wait_for("run-pipeline")
            pipeline = RunPipeline.from_event(run)
            assert (pipeline.start_stage.value, pipeline.end_stage.value) == ("asr", "tts")
            assert pipeline.restart_on_end is False

            heard = await ha.collect_audio(seconds=4.0)
            source = wake_pcm + command_pcm
            # The stream is a contiguous slice of what was "said", starting before the
            # detection (pre-roll) and holding the whole command.
            offset = source.find(heard[:3200])
            assert 0 < offset < len(wake_pcm)
            assert heard[len(wake_pcm) - offset :][: len(command_pcm)] == command_pcm

            await ha.pipeline_stt_events("turn on the kitchen lights")
            await asyncio.sleep(0.3)
            while not ha.events.empty():  # audio sent before voice-stopped arrived
                assert AudioChunk.is_type(ha.events.get_nowait().type)
            await asyncio.sleep(0.5)
            assert ha.events.empty(), "the satellite kept streaming after voice-stopped"

            reply = speech_audio("Turned on the kitchen lights")
            await ha.send_audio(reply, with_synthesize="Turned on the kitchen lights")
            played, _ = await ha.wait_for("played")
            assert Played.is_type(played.type)
            replies = [p for p in playbacks if abs(p.seconds - 0.05 - len(reply) / 44100) < 0.01]
            assert replies, [p.seconds for p in playbacks]
            states = [c.state.value for c in parts.hooks.history]
            assert states[:4] == ["connected", "wake", "listening", "thinking"]
            assert "speaking" in states and states[-1] == "idle"
        finally:
            await ha.close()
        assert ha.pings.answered >= 3 and not ha.pings.late, ha.pings


async def test_info_parses_with_old_and_new_wyoming(tmp_path: object) -> None:
    mic = ScriptedMicrophone()
    async with running_satellite(satellite_settings(), mic) as (_parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect(run=False)
        try:
            await wait_until(lambda: ha.info is not None, 10.0)
        finally:
            await ha.close()
    info = ha.info
    assert info is not None and info.satellite is not None
    assert info.satellite.installed and info.satellite.active_wake_words == ["okay_nabu"]
    assert info.satellite.max_active_wake_words == 1 and info.satellite.supports_trigger
    assert [m.name for m in info.wake[0].models] == ["okay_nabu"]
    assert info.wake[0].models[0].phrase == "Okay Nabu"
    parsed = parse_info_with_wyoming_172(info.event().data, tmp_path)  # type: ignore[arg-type]
    assert "Test satellite" in parsed


async def test_announcement_timers_and_error_tone(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, playbacks = speaker
    mic = ScriptedMicrophone()
    settings = satellite_settings(snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0))
    async with running_satellite(settings, mic) as (parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            # An announcement: bare audio with no pipeline, then `played`.
            announcement = speech_audio("Dinner is ready")
            await ha.send_audio(announcement)
            await ha.wait_for("played")
            assert playbacks[-1].audio == announcement

            await ha.send(TimerStarted(id="t1", total_seconds=300, name="pasta").event())
            await ha.send(TimerUpdated(id="t1", is_active=False, total_seconds=200).event())
            await ha.send(TimerStarted(id="t2", total_seconds=5).event())
            await wait_until(lambda: len(parts.satellite.timers.timers) == 2, 10.0)
            paused = parts.satellite.timers.timers["t1"]
            assert (paused.name, paused.is_active, paused.total_seconds) == ("pasta", False, 200)
            await ha.send(TimerCancelled(id="t1").event())
            count = len(playbacks)
            await ha.send(TimerFinished(id="t2").event())
            await wait_until(
                lambda: len(playbacks) > count and playbacks[-1].stopped is not None, 10.0
            )
            assert parts.satellite.timers.timers == {}
            assert playbacks[-1].seconds > 2.0  # the alarm rings three times
            timer_events = [c.data["event"] for c in parts.hooks.history if c.state == "timer"]
            assert timer_events == ["started", "updated", "started", "cancelled", "finished"]

            count = len(playbacks)
            await ha.send(Error(text="No text recognized", code="stt-no-text-recognized").event())
            await wait_until(
                lambda: len(playbacks) > count and playbacks[-1].stopped is not None, 10.0
            )
            errors = [c for c in parts.hooks.history if c.state == "error"]
            assert errors[-1].data["code"] == "stt-no-text-recognized"
        finally:
            await ha.close()
        assert not ha.pings.late, ha.pings


async def test_pause_disconnect_and_reconnect(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, _playbacks = speaker
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri),
        wake=WakeSettings(refractory_seconds=0.1),
    )
    speech = pcm_of(wake_clip()) + pcm_of(command_clip())
    async with running_satellite(settings, mic) as (parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        await wait_until(lambda: parts.satellite.ha.active_server is not None, 10.0)
        await ha.pause()
        await wait_until(lambda: parts.satellite.ha.active_server is None, 10.0)
        mic.enqueue(speech)
        await wait_until(lambda: mic.pending_seconds == 0, 10.0)
        await asyncio.sleep(0.3)
        assert ha.events.empty(), "a paused satellite must not stream"

        # HA resumes; the wake word works again. HA then drops the connection mid-command.
        await ha.send(RunSatellite().event())
        await wait_until(lambda: parts.satellite.ha.active_server is not None, 10.0)
        mic.enqueue(speech)
        await ha.wait_for("run-pipeline")
        await ha.collect_audio(seconds=0.5)
        await ha.close()
        await wait_until(lambda: parts.satellite.ha.active_server is None, 10.0)

        # HA reconnects (a new connection) and everything works as before.
        ha2 = SatelliteConnection(runner.uri)
        await ha2.connect()
        try:
            await wait_until(lambda: parts.satellite.ha.active_server is not None, 10.0)
            await wait_until(lambda: mic.pending_seconds == 0, 10.0)
            await asyncio.sleep(0.5)
            mic.enqueue(speech)
            detection, _ = await ha2.wait_for("detection")
            assert Detection.from_event(detection).name == "okay_nabu"
            await ha2.wait_for("run-pipeline")
            assert len(await ha2.collect_audio(seconds=1.0)) >= 32000
            await ha2.pipeline_stt_events("turn on the kitchen lights")
            await ha2.send_audio(speech_audio("Done"))
            await ha2.wait_for("played")
        finally:
            await ha2.close()
        states = [c.state.value for c in parts.hooks.history]
        assert states.count("connected") == 3 and "disconnected" in states
        assert not ha2.pings.late, ha2.pings


async def test_trigger_without_wake_word(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, _playbacks = speaker
    mic = ScriptedMicrophone()
    settings = satellite_settings(snd=SndSettings(command=None, uri=snd_uri))
    async with running_satellite(settings, mic) as (_parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await asyncio.sleep(0.2)
            await ha.send(
                RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS).event()
            )
            run, skipped = await ha.wait_for("run-pipeline")
            assert not any(e.type == "detection" for e in skipped)
            assert RunPipeline.from_event(run).wake_word_name is None
            assert len(await ha.collect_audio(seconds=0.5)) >= 16000
        finally:
            await ha.close()


async def test_command_is_cut_at_the_maximum_length(speaker: tuple[str, list[Playback]]) -> None:
    snd_uri, _playbacks = speaker
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri),
        vad=VadSettings(silence_seconds=0.5, max_command_seconds=1.5),
    )
    async with running_satellite(settings, mic) as (_parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await asyncio.sleep(0.2)
            mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
            await ha.wait_for("run-pipeline")
            audio = await ha.collect_audio(seconds=60.0)  # HA never says stop: audio-stop ends it
            assert 1.5 <= len(audio) / 32000 < 1.5 + 0.3 + 0.07
        finally:
            await ha.close()


async def test_awake_and_done_sounds(speaker: tuple[str, list[Playback]], tmp_path: Path) -> None:
    snd_uri, playbacks = speaker
    awake, done = tmp_path / "awake.wav", tmp_path / "done.wav"
    write_wav(awake, tone([(660, 0.2)]).pcm, TONE_FORMAT)
    write_wav(done, tone([(440, 0.4)]).pcm, TONE_FORMAT)
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
        sounds=SoundSettings(awake_wav=awake, done_wav=done),
    )
    async with running_satellite(settings, mic) as (_parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await asyncio.sleep(0.2)
            mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
            await ha.wait_for("run-pipeline")
            await ha.collect_audio(seconds=1.0)
            await ha.pipeline_stt_events("turn on the kitchen lights")
            await wait_until(lambda: len(playbacks) == 2 and playbacks[1].stopped is not None, 10.0)
        finally:
            await ha.close()
    assert [round(p.seconds, 1) for p in playbacks] == [0.2, 0.4]


async def test_error_during_the_command_plays_only_the_error_tone(
    speaker: tuple[str, list[Playback]], tmp_path: Path
) -> None:
    """HA's `error` mid-command ends the stream without the done sound or THINKING."""
    snd_uri, playbacks = speaker
    done = tmp_path / "done.wav"
    write_wav(done, tone([(440, 0.2)]).pcm, TONE_FORMAT)
    mic = ScriptedMicrophone()
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
        sounds=SoundSettings(done_wav=done),
    )
    async with running_satellite(settings, mic) as (parts, runner):
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await asyncio.sleep(0.2)
            mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
            await ha.wait_for("run-pipeline")
            await ha.collect_audio(seconds=0.5)
            await ha.send(Error(text="Speech-to-text failed", code="stt-stream-failed").event())
            await wait_until(lambda: len(playbacks) == 1 and playbacks[0].stopped is not None, 10.0)
            await wait_until(lambda: parts.hooks.history[-1].state.value == "idle", 10.0)
            states = [c.state.value for c in parts.hooks.history]
        finally:
            await ha.close()
    assert states[states.index("listening") :] == ["listening", "error", "idle"]
    assert 0.4 < playbacks[0].seconds < 0.6  # the error tone (0.45 s + padding), not the done sound
