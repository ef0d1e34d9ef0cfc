"""Issue 16 item 4: after a reply that asks a question, the next turn needs no wake word (same
conversation); after a plain answer, speech without the wake word does nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled
from wyoming.pipeline import RunPipeline

from satellite.settings import EndpointSettings, SndSettings
from tests.fake_hass.wyoming_service import SatelliteConnection

from .harness import (
    ScriptedMicrophone,
    command_clip,
    pcm_of,
    running_satellite,
    satellite_settings,
    wait_until,
    wake_clip,
)
from .room import RoomSpeaker
from .wyoming_services import AgentHandler, agent_info, pipeline_services, serve, speech_audio

pytestmark = pytest.mark.timeout(90)


class AskingAgent(AgentHandler):
    """Asks back on the first turn, answers on the second (continue_conversation as marker)."""

    def __init__(self, *args: Any, replies: list[tuple[str, bool | None]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replies = replies

    async def handle_request(self, event: Event) -> bool:
        if not Transcript.is_type(event.type):
            return True
        transcript = Transcript.from_event(event)
        self.recorder.requests.append({"text": transcript.text, "context": transcript.context})
        text, asks = self.replies[min(len(self.recorder.requests), len(self.replies)) - 1]
        context: dict[str, Any] = {"conversation_id": (transcript.context or {})["conversation_id"]}
        if asks is not None:
            context["continue_conversation"] = asks
        await self.write_event(Handled(text=text, context=context).event())
        return True


@pytest.mark.parametrize(
    ("first_reply", "follows"),
    [
        (("Which light, the kitchen or the hall?", None), True),  # a question mark
        (("Tell me which light you mean.", True), True),  # the agent's marker
        (("Which one? Never mind, done.", False), False),  # the agent says no
    ],
)
async def test_a_question_gets_a_second_turn_without_the_wake_word(
    first_reply: tuple[str, bool | None], follows: bool
) -> None:
    mic = ScriptedMicrophone(speed=2.0)
    room = RoomSpeaker(mic, echo_gain=0.2, speed=2.0)
    async with pipeline_services() as (stt, _agent, tts, records):
        async with serve(
            AskingAgent,
            agent_info(False),
            reply="",
            recorder=records["agent"],
            streaming=False,
            pause=0,
            replies=[first_reply, ("Turned on the kitchen light.", None)],
        ) as agent:
            settings = satellite_settings(
                snd=SndSettings(command=None, lead_in_seconds=0.05),
                standalone=EndpointSettings(stt_uri=stt, agent_uri=agent.uri, tts_uri=tts),
                follow_up_seconds=5.0,
            )
            async with running_satellite(settings, mic) as (parts, _runner):
                parts.player.speaker = room
                mic.mix(pcm_of(wake_clip()) + pcm_of(command_clip()))
                await wait_until(
                    lambda: len(room.played) >= 1 and room.played[0].ended is not None, 20.0
                )
                window = parts.satellite.follow_up
                assert window is not None
                if follows:
                    await wait_until(lambda: window.open is not None, timeout=5)
                    # the earcon: queued when the window opens, short
                    await wait_until(lambda: len(room.played) >= 2, timeout=5)
                    await wait_until(lambda: room.played[1].ended is not None, timeout=5)
                    assert room.played[1].seconds < 0.3
                else:
                    await asyncio.sleep(1.0)
                    assert window.open is None and window.pending is None
                mic.mix(pcm_of(command_clip("turn_on_the_kitchen_lights")))  # no wake word
                await asyncio.sleep(4.0)
                await wait_until(lambda: not parts.assistant.busy, 20.0)  # type: ignore[union-attr]
    requests = records["agent"].requests
    assert len(requests) == (2 if follows else 1), requests
    if follows:
        ids = {r["context"]["conversation_id"] for r in requests}
        assert len(ids) == 1, ids  # the same conversation
        states = [c.state.value for c in parts.hooks.history]
        assert states.count("wake") == 1 and states.count("listening") >= 2


async def test_home_assistant_question_opens_a_follow_up() -> None:
    mic = ScriptedMicrophone(speed=2.0)
    room = RoomSpeaker(mic, echo_gain=0.2, speed=2.0)
    settings = satellite_settings(
        snd=SndSettings(command=None, lead_in_seconds=0.05), follow_up_seconds=5.0
    )
    async with running_satellite(settings, mic) as (parts, runner):
        parts.player.speaker = room
        ha = SatelliteConnection(runner.uri)
        await ha.connect()
        try:
            await wait_until(lambda: parts.satellite.ha.active_server is not None, 20.0)
            mic.mix(pcm_of(wake_clip()) + pcm_of(command_clip()))
            await ha.wait_for("run-pipeline")
            await ha.collect_audio(seconds=1.0)
            await ha.pipeline_stt_events("turn on the light")
            question = "Which light do you mean?"
            await ha.send_audio(speech_audio(question), with_synthesize=question)
            await ha.wait_for("played")
            window = parts.satellite.follow_up
            assert window is not None
            await wait_until(lambda: window.open is not None, timeout=5)
            await asyncio.sleep(0.5)
            mic.mix(pcm_of(command_clip("turn_on_the_kitchen_lights")))
            run, skipped = await ha.wait_for("run-pipeline", timeout=10)
            assert RunPipeline.from_event(run).wake_word_name is None
            assert not any(e.type == "detection" for e in skipped)
            assert len(await ha.collect_audio(seconds=1.0)) >= 32000
        finally:
            await ha.close()
