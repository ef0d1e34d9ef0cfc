"""The Wyoming handle protocol as Home Assistant and our satellite speak it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.info import Describe, Info

from tests.fake_hass import FakeHomeAssistant
from tests.support.services import parse_info_with_wyoming_172
from wyoming_common.client import WyomingConnection
from wyoming_llm.engines.base import ChatEngine
from wyoming_llm.intents.executor import NOT_CONNECTED

from .conftest import OFFICE_SATELLITE
from .support import TERMINAL, agent_server, config_for, running_runtime, turn


def _text_of(events: list[Event]) -> str:
    return "".join(HandledChunk.from_event(e).text for e in events if HandledChunk.is_type(e.type))


async def test_ha_2026_2_sequence_without_language(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    config = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(config) as runtime, agent_server(runtime) as server:
        events = await turn(
            server.uri,
            Transcript(text="turn on the kitchen lights", context={"conversation_id": "01ABC"}),
        )
    types = [e.type for e in events]
    assert types == ["handled-start", "handled-chunk", "handled-stop", "handled"]
    handled = Handled.from_event(events[-1])
    assert handled.context == {"conversation_id": "01ABC", "continue_conversation": False}
    assert handled.text == _text_of(events) and handled.text
    assert hass.house.get_state("light.kitchen").state == "on"


async def test_ha_2026_11_sequence_with_language_and_ids(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    config = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(config) as runtime, agent_server(runtime) as server:
        context = {
            "conversation_id": "01XYZ",
            "device_id": OFFICE_SATELLITE,
            "satellite_id": "assist_satellite.office",
        }
        events = await turn(
            server.uri,
            Transcript(text="turn off the lights in here", language="en", context=context),
        )
    assert Handled.is_type(events[-1].type)
    assert Handled.from_event(events[-1]).context == {
        "conversation_id": "01XYZ",
        "continue_conversation": False,
    }
    assert hass.house.get_state("light.office_standing").state == "off"


async def test_missing_conversation_id_gets_one(tmp_path: Path) -> None:
    async with running_runtime(config_for(tmp_path)) as runtime, agent_server(runtime) as server:
        first = await turn(server.uri, Transcript(text="what's the time"))
        second = await turn(server.uri, Transcript(text="what's the time"))
    ids = [Handled.from_event(events[-1]).context["conversation_id"] for events in (first, second)]
    assert all(ids) and ids[0] != ids[1]


async def test_not_handled_is_a_single_event(tmp_path: Path) -> None:
    """Without Home Assistant: device commands say so, chat without a model says why; both
    are one `not-handled` (HA shows them as errors)."""
    async with running_runtime(config_for(tmp_path)) as runtime, agent_server(runtime) as server:
        timer = await turn(server.uri, Transcript(text="set a timer for 5 minutes"))
        light = await turn(server.uri, Transcript(text="turn on the kitchen light"))
        chat = await turn(server.uri, Transcript(text="tell me a joke"))
    for events in (timer, light):
        assert [e.type for e in events] == ["not-handled"]
        assert NotHandled.from_event(events[0]).text == NOT_CONNECTED
    assert [e.type for e in chat] == ["not-handled"]
    assert "language model" in (NotHandled.from_event(chat[0]).text or "")


async def test_stop_phrase_ends_the_turn_at_once(tmp_path: Path) -> None:
    async with running_runtime(config_for(tmp_path)) as runtime, agent_server(runtime) as server:
        for phrase in ("stop", "Never mind.", "cancel"):
            events = await turn(server.uri, Transcript(text=phrase))
            assert [e.type for e in events] == ["handled"]
            assert Handled.from_event(events[0]).text == ""


async def test_info_with_and_without_home_control(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    config = config_for(tmp_path, hass_url=hass.url)
    async with running_runtime(config) as runtime, agent_server(runtime) as server:
        async with WyomingConnection(server.uri, read_timeout=5) as connection:
            await connection.write(Describe().event())
            info = Info.from_event(
                (await connection.read_until(lambda e: Info.is_type(e.type)))[-1]
            )
        program = info.handle[0]
        assert program.name == "wyoming-voice-agent" and program.installed
        assert program.supports_handled_streaming and program.supports_home_control
        assert program.models[0].languages == ["en"]
        info_dict = info.event().data
        await hass.stop()
        await asyncio.sleep(0.2)
        assert not runtime.info().handle[0].supports_home_control
    parsed = parse_info_with_wyoming_172(info_dict, tmp_path)
    assert "wyoming-voice-agent" in parsed
    async with running_runtime(config_for(tmp_path)) as runtime:
        assert not runtime.info().handle[0].supports_home_control


async def test_streamed_model_answer_and_describe_during_generation(
    stories_engine: ChatEngine, tmp_path: Path
) -> None:
    config = config_for(tmp_path, "--max-sentences", "50", "--max-tokens", "300")
    async with running_runtime(config, engine=stories_engine) as runtime:
        async with agent_server(runtime) as server:
            async with WyomingConnection(server.uri, read_timeout=20) as connection:
                await connection.write(Transcript(text="Tell me a story.").event())
                first = await connection.read()
                assert first is not None and HandledStart.is_type(first.type)
                # describe on the same connection, while the model is generating
                started = asyncio.get_running_loop().time()
                await connection.write(Describe().event())
                events = await connection.read_until(lambda e: e.type in TERMINAL)
                waited = asyncio.get_running_loop().time() - started
    types = [e.type for e in events]
    assert "info" in types
    info_at = types.index("info")
    assert info_at < types.index("handled-stop"), "info waited for the generation"
    assert types[-2:] == ["handled-stop", "handled"]
    assert {t for t in types[:-2]} <= {"handled-chunk", "info"}
    handled = Handled.from_event(events[-1])
    assert handled.text == _text_of(events).strip()
    assert "\n" not in handled.text
    print(f"\ngeneration with describe in between: {waited * 1000:.0f} ms, {len(types)} events")
    assert HandledStop.is_type(events[-2].type)
