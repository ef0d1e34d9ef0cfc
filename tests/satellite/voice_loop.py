"""The whole voice loop through a real satellite: "okay nabu" and "turn on the kitchen lights"
from a recording, the stack's STT, agent and TTS, the reply to a recording speaker. Shared by
tests/satellite/test_end_to_end.py (our light engines) and tests/real_models/test_voice_loop.py
(trained models)."""

from __future__ import annotations

from dataclasses import dataclass

from satellite.devices.mic import WavMicrophone
from satellite.settings import EndpointSettings, SndSettings
from tests.support.stack import ServiceStack
from voice_pipeline.types import PipelineResult

from .audio_services import Playback
from .harness import (
    MIC_SPEED,
    command_clip,
    pcm_of,
    recording_speaker,
    running_satellite,
    satellite_settings,
    satellite_states,
    wait_until,
    wake_clip,
)

COMMAND = "turn on the kitchen lights"


@dataclass
class LoopRun:
    """What one wake word + command did: the satellite's states, its result, what it played."""

    states: list[str]
    result: PipelineResult
    playbacks: list[Playback]


async def wake_word_command(stack: ServiceStack, timeout: float) -> LoopRun:
    """Say the wake word and the command to a standalone satellite using the stack's services;
    return once it is idle again (AssertionError with its states after timeout seconds)."""
    async with recording_speaker() as (snd_uri, playbacks):
        settings = satellite_settings(
            snd=SndSettings(command=None, uri=snd_uri, lead_in_seconds=0),
            standalone=EndpointSettings(
                stt_uri=stack.stt_uri, agent_uri=stack.agent_uri, tts_uri=stack.tts_uri
            ),
        )
        mic = WavMicrophone(speed=MIC_SPEED)
        async with running_satellite(settings, mic) as (parts, _runner):
            mic.enqueue(pcm_of(wake_clip()) + pcm_of(command_clip()))

            def done() -> bool:
                states = satellite_states(parts)
                return states[-1:] == ["idle"] and len(states) > 1

            try:
                await wait_until(done, timeout)
            except TimeoutError:
                raise AssertionError(f"satellite states: {satellite_states(parts)}") from None
            assistant = parts.assistant
            assert assistant is not None and assistant.last_result is not None
            run = LoopRun(satellite_states(parts), assistant.last_result, playbacks)
    return run
