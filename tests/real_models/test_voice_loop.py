"""The whole voice loop with real, trained models: a satellite hears "okay nabu" and a command
from a recording, Whisper base transcribes it, the agent (Qwen2.5-Coder 0.5B behind the fast
path) acts on the fake Home Assistant, and the Piper joe voice speaks the reply to the
satellite's speaker. Runs in the satellite's pytest process (Silero VAD)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.satellite.voice_loop import COMMAND, wake_word_command
from tests.support.real_models import require_real_models
from tests.support.services import shared_path
from tests.support.stack import ServiceStack
from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions
from wyoming_voice.bench.stt_scoring import word_errors

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


async def test_wake_clip_to_light_on_and_joe_speaking(stack: ServiceStack) -> None:
    stack.turn_off("light.kitchen")
    run = await wake_word_command(stack, timeout=120)
    result = run.result
    assert run.states == ["wake", "listening", "thinking", "speaking", "idle"]
    edits, _words = word_errors(COMMAND, result.transcript)
    assert edits <= 1, result.transcript
    assert stack.state("light.kitchen") == "on"
    assert result.handled and result.reply
    assert any(p.seconds > 0.5 for p in run.playbacks), "no reply audio reached the speaker"
    assert run.playbacks[-1].fmt.rate == 22050  # Piper joe, not espeak-ng


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
