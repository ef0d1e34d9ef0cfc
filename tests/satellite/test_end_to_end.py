"""End to end on loopback with the real services: our STT (pocketsphinx), our agent (fast path
against the fake Home Assistant) and our TTS (espeak-ng), each its own process, composed by a
real satellite that hears the wake word from a recording."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Iterator

import pytest

from tests.support.stack import ServiceStack
from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions, PipelineResult
from wyoming_voice.bench.stt_scoring import word_errors

from .harness import command_clip
from .voice_loop import COMMAND, wake_word_command

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def stack() -> Iterator[ServiceStack]:
    """Fake HA + STT + agent + TTS as child processes, shared by this module."""
    services = ServiceStack().start()
    try:
        yield services
    finally:
        services.stop()


async def test_wake_word_to_light_on_and_spoken_reply(stack: ServiceStack) -> None:
    """okay_nabu + "turn on the Kitchen lights" → light.kitchen on → reply audio played."""
    stack.turn_off("light.kitchen")
    run = await wake_word_command(stack, timeout=30.0)
    result = run.result
    assert run.states == ["wake", "listening", "thinking", "speaking", "idle"]
    edits, _words = word_errors(COMMAND, result.transcript)
    assert edits <= 1, result.transcript
    assert stack.state("light.kitchen") == "on"
    assert result.handled and result.reply
    spoken = [p for p in run.playbacks if p.seconds > 0.3]
    assert spoken, "no reply audio reached the speaker"
    assert result.timings.first_audio is not None
    print(f"\nend of speech → first reply audio: {result.timings.first_audio * 1000:.0f} ms")


async def test_pipeline_latency_over_commands(stack: ServiceStack) -> None:
    """End of speech → first reply audio through the real services, printed per stage."""
    names = [
        "turn_on_the_kitchen_lights",
        "turn_bed_light_off",
        "whats_the_temperature_in_the_kitchen",
        "set_bed_light_brightness_to_75_percent",
        "turn_the_standing_light_in_the_office_on",
    ]
    pipeline = VoicePipeline(
        PipelineEndpoints(stack.stt_uri, stack.agent_uri, stack.tts_uri),
        PipelineOptions(language="en"),
    )
    results: list[PipelineResult] = []
    for name in names:
        async with asyncio.timeout(30):
            results.append(await pipeline.run(stream_pcm(load_command(command_clip(name))), None))
    assert stack.state("light.office_standing") == "on"
    assert stack.state("light.bed_light") == "on"  # brightness 75 % turns it back on
    for result in results:
        assert result.handled, result
        assert result.audio_seconds > 0.3
        assert result.timings.first_audio is not None
    first = [r.timings.first_audio or 0.0 for r in results]
    stt = [r.timings.stt or 0.0 for r in results]
    agent = [r.timings.agent or 0.0 for r in results]
    tts = [r.timings.tts_first or 0.0 for r in results]
    print(
        f"\nmedian over {len(results)} commands: STT {statistics.median(stt) * 1000:.0f} ms, "
        f"agent {statistics.median(agent) * 1000:.0f} ms, "
        f"TTS first audio {statistics.median(tts) * 1000:.0f} ms, "
        f"end of speech → first audio {statistics.median(first) * 1000:.0f} ms"
    )
