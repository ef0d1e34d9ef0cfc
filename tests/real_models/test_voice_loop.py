"""The whole voice loop with real, trained models: a satellite hears "okay nabu" and a command
from a recording, Whisper base transcribes it, the agent (Qwen2.5-Coder 0.5B behind the fast
path) acts on the fake Home Assistant, and the Piper joe voice speaks the reply to the
satellite's speaker. Runs in the satellite's pytest process (Silero VAD)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from wyoming.info import Info

from tests.satellite.audio_services import Playback, SndHandler
from tests.satellite.harness import (
    MIC_SPEED,
    command_clip,
    pcm_of,
    running_satellite,
    satellite_settings,
    wake_clip,
)
from tests.satellite.wyoming_services import serve
from tests.support.real_models import require_real_models
from tests.support.services import shared_path, word_error_rate
from tests.support.stack import ServiceStack
from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.endpoints import EndpointSettings
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions

pytestmark = [pytest.mark.real_models, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def stack() -> Iterator[ServiceStack]:
    """Fake HA + Whisper base + Qwen 0.5B agent + Piper joe, as child processes."""
    models = require_real_models("whisper_base", "piper_joe", "qwen_0_5b")
    services = ServiceStack(models=models).start()
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture
async def speaker() -> AsyncIterator[tuple[str, list[Playback]]]:
    playbacks: list[Playback] = []
    async with serve(SndHandler, Info(), playbacks=playbacks) as runner:
        yield runner.uri, playbacks


async def _wait(predicate: Callable[[], bool], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_wake_clip_to_light_on_and_joe_speaking(
    stack: ServiceStack, speaker: tuple[str, list[Playback]]
) -> None:
    from satellite.devices.mic import WavMicrophone
    from satellite.settings import SndSettings

    stack.turn_off("light.kitchen")
    snd_uri, playbacks = speaker
    settings = satellite_settings(
        snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
        standalone=EndpointSettings(
            stt_uri=stack.stt_uri, agent_uri=stack.agent_uri, tts_uri=stack.tts_uri
        ),
    )
    mic = WavMicrophone(speed=MIC_SPEED)
    async with running_satellite(settings, mic) as (parts, _runner):
        mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))

        def states() -> list[str]:
            return [change.state.value for change in parts.hooks.history]

        await _wait(lambda: states()[-1:] == ["idle"] and len(states()) > 1, 120)
        assistant = parts.assistant
        assert assistant is not None and assistant.last_result is not None
        result = assistant.last_result

    assert states() == ["wake", "listening", "thinking", "speaking", "idle"]
    edits, _words = word_error_rate("turn on the kitchen lights", result.transcript)
    assert edits <= 1, result.transcript
    assert stack.state("light.kitchen") == "on"
    assert result.handled and result.reply
    assert any(p.seconds > 0.5 for p in playbacks), "no reply audio reached the speaker"
    assert playbacks[-1].fmt.rate == 22050  # Piper joe, not espeak-ng


async def test_open_question_is_answered_by_the_model(stack: ServiceStack) -> None:
    """A question no house sentence matches: Qwen answers, Piper speaks, nothing changes."""
    before = stack.hass_request("/api/states")
    pipeline = VoicePipeline(
        PipelineEndpoints(stack.stt_uri, stack.agent_uri, stack.tts_uri),
        PipelineOptions(language="en"),
    )
    result = await asyncio.wait_for(
        pipeline.run(stream_pcm(load_command(shared_path("audio", "misc", "this_is_a_test.wav")))),
        240,
    )
    assert result.transcript
    assert result.reply, result
    assert result.audio_seconds > 0.3
    after = stack.hass_request("/api/states")
    assert {s["entity_id"]: s["state"] for s in after} == {
        s["entity_id"]: s["state"] for s in before
    }
