"""What HA 2026.11 does that the fake must do too (HA_CONTRACT §10b), over real connections."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.info import Attribution, HandleModel, HandleProgram, Info, TtsProgram, TtsVoice
from wyoming.intent import Entity as IntentEntity
from wyoming.intent import Intent

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import agent_server, connect_ws, describe_server, free_port

pytestmark = pytest.mark.asyncio

ATTRIBUTION = Attribution(name="test", url="https://example.com")
AGENT_INFO = Info(
    handle=[
        HandleProgram(
            name="test-agent",
            attribution=ATTRIBUTION,
            installed=True,
            description=None,
            version=None,
            models=[
                HandleModel(
                    name="m",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description=None,
                    version=None,
                    languages=["en"],
                )
            ],
            supports_home_control=True,
        )
    ]
)
TTS_INFO = Info(
    tts=[
        TtsProgram(
            name="test-tts",
            attribution=ATTRIBUTION,
            installed=True,
            description=None,
            version=None,
            voices=[
                TtsVoice(
                    name="en_US-test",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description=None,
                    version=None,
                    languages=["en_US"],
                )
            ],
        )
    ]
)


async def add_entry(hass: FakeHomeAssistant, http: aiohttp.ClientSession, port: int) -> Any:
    flows = f"{hass.url}/api/config/config_entries/flow"
    async with http.post(flows, json={"handler": "wyoming"}) as r:
        form = await r.json()
    async with http.post(
        f"{flows}/{form['flow_id']}", json={"host": "127.0.0.1", "port": port}
    ) as r:
        return await r.json()


def reply_with(*events: Event) -> Any:
    return lambda transcript: list(events)


@pytest.mark.parametrize(
    ("events", "response_type", "code", "speech"),
    [
        # A refusal inside `handled` still shows as action_done: refuse with not-handled.
        (
            [
                HandledStart().event(),
                HandledChunk("Sorry, ").event(),
                HandledStop().event(),
                Handled("Sorry, I cannot do that.").event(),
            ],
            "action_done",
            None,
            "Sorry, I cannot do that.",
        ),
        ([NotHandled("The door stays locked.").event()], "error", "failed_to_handle", None),
    ],
)
async def test_conversation_through_a_wyoming_agent(
    hass: FakeHomeAssistant,
    http: aiohttp.ClientSession,
    events: list[Event],
    response_type: str,
    code: str | None,
    speech: str | None,
) -> None:
    heard: list[Transcript] = []
    async with asyncio.timeout(5), agent_server(AGENT_INFO, reply_with(*events), heard) as port:
        assert (await add_entry(hass, http, port))["type"] == "create_entry"
        body = {"text": "unlock the door", "agent_id": "conversation.test_agent"}
        async with http.post(f"{hass.url}/api/conversation/process", json=body) as r:
            answer = await r.json()
    result = answer["response"]
    assert result["response_type"] == response_type
    assert result["data"].get("code") == code
    expected = speech or NotHandled.from_event(events[-1]).text
    assert result["speech"]["plain"]["speech"] == expected
    [transcript] = heard
    assert transcript.text == "unlock the door" and transcript.language == "en"
    assert transcript.context == {"conversation_id": answer["conversation_id"]}


async def test_conversation_with_the_agent_gone(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    heard: list[Transcript] = []
    async with asyncio.timeout(5):
        async with agent_server(AGENT_INFO, reply_with(), heard) as port:
            await add_entry(hass, http, port)
        body = {"text": "hello", "agent_id": "conversation.test_agent", "conversation_id": "c1"}
        async with http.post(f"{hass.url}/api/conversation/process", json=body) as r:
            answer = await r.json()
    assert answer["response"]["data"] == {"code": "unknown"}
    assert answer["response"]["speech"]["plain"]["speech"].startswith(
        "Error communicating with service"
    )


async def test_pipeline_refuses_a_tts_language_the_tts_does_not_list(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    pipeline = {
        "name": "p",
        "language": "en",
        "conversation_engine": "conversation.home_assistant",
        "conversation_language": "en",
        "stt_engine": None,
        "stt_language": None,
        "tts_engine": "tts.test_tts",
        "tts_language": "en",
        "tts_voice": "en_US-test",
        "wake_word_entity": None,
        "wake_word_id": None,
    }
    async with asyncio.timeout(5), describe_server(TTS_INFO) as port:
        await add_entry(hass, http, port)
        async with connect_ws(hass, http) as client:
            refused = await client.command("assist_pipeline/pipeline/create", **pipeline)
            assert refused["error"]["code"] == "invalid_format"
            assert "does not support language en" in refused["error"]["message"]
            no_language = {**pipeline, "tts_language": None}
            refused = await client.command("assist_pipeline/pipeline/create", **no_language)
            assert "Need language tts_language" in refused["error"]["message"]
            created = await client.result(
                "assist_pipeline/pipeline/create", **{**pipeline, "tts_language": "en_US"}
            )
            assert created["tts_language"] == "en_US"


async def test_reconfigure_entry_listeners_and_registry_events(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    changes: list[tuple[str, str]] = []
    hass.flows.entry_listeners.append(lambda change, entry: changes.append((change, entry.title)))
    flows = f"{hass.url}/api/config/config_entries/flow"
    async with asyncio.timeout(5), describe_server(TTS_INFO) as port:
        async with connect_ws(hass, http) as watcher:
            await watcher.result("subscribe_events", event_type="entity_registry_updated")
            entry_id = (await add_entry(hass, http, port))["result"]["entry_id"]
            event = await watcher.receive()
            assert event["event"]["event_type"] == "entity_registry_updated"
            assert event["event"]["data"] == {"action": "create", "entity_id": "tts.test_tts"}
        async with http.post(flows, json={"handler": "wyoming", "entry_id": entry_id}) as r:
            form = await r.json()
        assert form["step_id"] == "reconfigure"
        suggested = {f["name"]: f["description"]["suggested_value"] for f in form["data_schema"]}
        assert suggested == {"host": "127.0.0.1", "port": port}
        async with http.post(
            f"{flows}/{form['flow_id']}", json={"host": "127.0.0.1", "port": free_port()}
        ) as r:
            assert (await r.json())["errors"] == {"base": "cannot_connect"}
        async with http.post(
            f"{flows}/{form['flow_id']}", json={"host": "localhost", "port": port}
        ) as r:
            assert (await r.json())["reason"] == "reconfigure_successful"
        assert hass.flows.entries[entry_id].data == {"host": "localhost", "port": port}
        async with http.delete(f"{hass.url}/api/config/config_entries/entry/{entry_id}") as r:
            assert r.status == 200
    assert changes == [("added", "test-tts"), ("removed", "test-tts")]
    assert "tts.test_tts" not in hass.house.states


@pytest.mark.parametrize("intent_name", ["HassTurnOn", "HassNoSuchIntent"])
async def test_an_agent_answering_with_an_intent(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession, intent_name: str
) -> None:
    name = hass.house.states["light.kitchen"].name
    reply = reply_with(Intent(intent_name, entities=[IntentEntity("name", name)]).event())
    async with asyncio.timeout(5), agent_server(AGENT_INFO, reply, []) as port:
        await add_entry(hass, http, port)
        body = {"text": "kitchen on", "agent_id": "conversation.test_agent"}
        async with http.post(f"{hass.url}/api/conversation/process", json=body) as r:
            result = (await r.json())["response"]
    if intent_name == "HassTurnOn":  # HA runs the intent itself
        assert result["response_type"] == "action_done"
        assert [t["id"] for t in result["data"]["success"]] == ["light.kitchen"]
        assert hass.house.states["light.kitchen"].state == "on"
    else:
        assert result["data"] == {"code": "failed_to_handle"}
        assert result["speech"]["plain"]["speech"].startswith("Error handling intent")
