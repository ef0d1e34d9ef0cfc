"""The audio loop survives a failing block (VAD, wake word model) and exits non-zero when the
failure persists, so that systemd restarts the satellite."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from satellite.assembly import build_satellite, build_wake_engine, serve_satellite
from satellite.settings import EndpointSettings, SatelliteSettings, SndSettings, WakeSettings
from satellite.supervision import AudioLoopError, LoopSupervisor
from satellite.wake.engine import WakeHit, WakeProgramInfo, WakeWordEngine
from tests.support.services import not_wyoming_server
from voice_pipeline.vad import VoiceActivityDetector
from wyoming_common.command import run_service
from wyoming_common.errors import EngineTimeoutError

from .audio_services import Playback
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
from .wyoming_services import closed_port_uri, pipeline_services

pytestmark = pytest.mark.timeout(60)


class WakeModelBroken(RuntimeError):
    """What a wake word model raises in these tests."""


class FlakyWake:
    """The real wake engine, except that `process` fails while `failing()` says so."""

    def __init__(self, engine: WakeWordEngine, failing: Callable[[int], bool]) -> None:
        self.engine = engine
        self.failing = failing
        self.calls = 0

    @property
    def program(self) -> WakeProgramInfo:
        return self.engine.program

    @property
    def detection_lags(self) -> bool:
        return self.engine.detection_lags

    async def start(self) -> None:
        await self.engine.start()

    async def process(self, audio: bytes, timestamp: int) -> WakeHit | None:
        self.calls += 1
        if self.failing(self.calls):
            raise WakeModelBroken("the model's interpreter is gone")
        return await self.engine.process(audio, timestamp)

    async def reset(self) -> None:
        await self.engine.reset()

    async def stop(self) -> None:
        await self.engine.stop()


class FlakyVad:
    """Silero VAD whose first `failures` windows time out, as a wedged worker would."""

    def __init__(self, vad: VoiceActivityDetector, failures: int) -> None:
        self.vad = vad
        self.window_bytes = vad.window_bytes
        self.failures = failures

    def probability(self, window: bytes) -> float:
        if self.failures > 0:
            self.failures -= 1
            raise EngineTimeoutError("vad took longer than 10 s")
        return self.vad.probability(window)

    def reset(self) -> None:
        self.vad.reset()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_supervisor_logs_each_kind_once_and_gives_up_when_failures_persist(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    supervisor = LoopSupervisor(max_failures=3, window=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.DEBUG, logger="satellite.supervision"):
        for second in (0.0, 11.0, 22.0, 33.0):  # sparse failures are survived for ever
            now[0] = second
            supervisor.failed(WakeModelBroken("x"))
        supervisor.failed(EngineTimeoutError("y"))
        assert _errors(caplog) == [
            "Audio loop failed (WakeModelBroken); the satellite goes on listening",
            "Audio loop failed (EngineTimeoutError); the satellite goes on listening",
        ]
        with pytest.raises(AudioLoopError, match="failed 3 times within 10 s"):
            supervisor.failed(WakeModelBroken("z"))
    assert supervisor.by_kind == {"WakeModelBroken": 5, "EngineTimeoutError": 1}


async def test_a_vad_failure_drops_one_command_and_the_next_is_answered(
    speaker: tuple[str, list[Playback]], caplog: pytest.LogCaptureFixture
) -> None:
    snd_uri, playbacks = speaker
    async with pipeline_services() as (stt, agent, tts, records):
        settings = satellite_settings(
            snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
            standalone=EndpointSettings(stt_uri=stt, agent_uri=agent, tts_uri=tts),
            wake=WakeSettings(refractory_seconds=0.1),
        )
        mic = ScriptedMicrophone()
        async with running_satellite(settings, mic) as (parts, _runner):
            assert parts.assistant is not None
            parts.assistant.vad = FlakyVad(parts.assistant.vad, failures=1)
            speech = pcm_of(wake_clip()) + pcm_of(command_clip())
            mic.enqueue(speech)
            await wait_until(lambda: satellite_states(parts).count("idle") == 1, 20.0)
            assert satellite_states(parts) == ["wake", "listening", "error", "idle"]
            await wait_until(lambda: mic.pending_seconds == 0 and not parts.player.busy, 20.0)
            mic.enqueue(speech)
            await wait_until(lambda: satellite_states(parts).count("idle") == 2, 20.0)
    assert satellite_states(parts)[4:] == ["wake", "listening", "thinking", "speaking", "idle"]
    assert records["agent"].requests[-1]["text"] == "turn on the kitchen lights"
    assert 0.4 < playbacks[0].seconds < 1.0  # the error tone for the dropped command
    assert [e for e in _errors(caplog) if "Audio loop failed" in e] == [
        "Audio loop failed (EngineTimeoutError); the satellite goes on listening"
    ]


def _standalone_down() -> SatelliteSettings:
    """A standalone satellite (so the wake word runs) whose services are down."""
    down = closed_port_uri()
    return satellite_settings(
        standalone=EndpointSettings(stt_uri=down, agent_uri=down, tts_uri=down)
    )


async def test_a_wake_model_failing_now_and_then_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _standalone_down()
    mic = ScriptedMicrophone()
    wake = FlakyWake(await build_wake_engine(settings.wake), lambda call: call in (3, 5, 9))
    parts = await asyncio.wait_for(build_satellite(settings, microphone=mic, wake=wake), 30)
    await parts.satellite.start()
    try:
        mic.enqueue(bytes(16000) + pcm_of(wake_clip()))
        await wait_until(
            lambda: "wake" in satellite_states(parts), 20.0
        )  # still listening after the failures
    finally:
        await parts.satellite.stop()
    assert parts.satellite.supervisor.by_kind == {"WakeModelBroken": 3}
    assert _errors(caplog) == [
        "Audio loop failed (WakeModelBroken); the satellite goes on listening"
    ]


async def test_a_wake_model_that_keeps_failing_exits_1(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """As `wyoming-voice satellite` runs: the server stops, stderr says why, exit status 1."""
    settings = _standalone_down()

    async def satellite() -> None:
        wake = FlakyWake(await build_wake_engine(settings.wake), lambda call: True)
        mic = ScriptedMicrophone()
        mic.enqueue(bytes(32000))
        parts = await build_satellite(settings, microphone=mic, wake=wake)
        await serve_satellite(settings, parts)

    async with asyncio.timeout(30):
        code = await asyncio.to_thread(run_service, "satellite", satellite())
    assert code == 1
    err = capsys.readouterr().err
    assert "satellite: error: the audio loop failed 5 times within 60 s" in err
    assert "WakeModelBroken" in err
    assert len([e for e in _errors(caplog) if "Audio loop failed (" in e]) == 1  # no flood


async def test_a_service_that_is_not_wyoming_still_ends_the_turn(
    speaker: tuple[str, list[Playback]],
) -> None:
    snd_uri, _playbacks = speaker
    async with pipeline_services() as (stt, _agent, tts, _records):
        async with not_wyoming_server() as bad:
            settings = satellite_settings(
                snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
                standalone=EndpointSettings(stt_uri=stt, agent_uri=bad, tts_uri=tts),
            )
            mic = ScriptedMicrophone()
            async with running_satellite(settings, mic) as (parts, _runner):
                mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))
                await wait_until(lambda: "idle" in satellite_states(parts), 20.0)
                assistant = parts.assistant
                assert assistant is not None and not assistant.busy
    states = satellite_states(parts)
    assert states[:2] == ["wake", "listening"] and "error" in states and states[-1] == "idle"
