"""End to end on loopback with the real services: our STT (pocketsphinx), our agent (fast path
against the fake Home Assistant) and our TTS (espeak-ng), each its own process, composed by a
real satellite that hears the wake word from a recording."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from wyoming.info import Info

from satellite.devices.mic import WavMicrophone
from satellite.settings import EndpointSettings, SndSettings
from tests.support.services import word_error_rate
from tests.support.stack import ServiceStack
from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions, PipelineResult

from .audio_services import Playback, SndHandler
from .harness import (
    MIC_SPEED,
    command_clip,
    pcm_of,
    running_satellite,
    satellite_settings,
    wake_clip,
)
from .wyoming_services import serve

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def stack() -> Iterator[ServiceStack]:
    """Fake HA + STT + agent + TTS as child processes, shared by this module."""
    services = ServiceStack().start()
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture
async def speaker() -> AsyncIterator[tuple[str, list[Playback]]]:
    playbacks: list[Playback] = []
    async with serve(SndHandler, Info(), playbacks=playbacks) as runner:
        yield runner.uri, playbacks


async def _wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_wake_word_to_light_on_and_spoken_reply(
    stack: ServiceStack, speaker: tuple[str, list[Playback]]
) -> None:
    """okay_nabu + "turn on the Kitchen lights" → light.kitchen on → reply audio played."""
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

        try:
            await _wait(lambda: states()[-1:] == ["idle"] and len(states()) > 1)
        except TimeoutError:
            raise AssertionError(f"satellite states: {states()}") from None
        assistant = parts.assistant
        assert assistant is not None and assistant.last_result is not None
        result = assistant.last_result

    assert states() == ["wake", "listening", "thinking", "speaking", "idle"]
    edits, _words = word_error_rate("turn on the Kitchen lights", result.transcript)
    assert edits <= 1, result.transcript
    assert stack.state("light.kitchen") == "on"
    assert result.handled and result.reply
    spoken = [p for p in playbacks if p.seconds > 0.3]
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
