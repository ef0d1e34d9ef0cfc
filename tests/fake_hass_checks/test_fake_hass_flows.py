"""The fake Home Assistant: config flows, pipelines and lifecycle, over real connections."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
import pytest
from wyoming.info import AsrModel, AsrProgram, Attribution, Info, Satellite

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import connect_ws, describe_server, free_port
from tests.fake_hass_checks.conftest import TOKEN

pytestmark = pytest.mark.asyncio

ATTRIBUTION = Attribution(name="test", url="https://example.com")
ASR_INFO = Info(
    asr=[
        AsrProgram(
            name="faster-whisper",
            attribution=ATTRIBUTION,
            installed=True,
            description=None,
            version="1.0",
            models=[
                AsrModel(
                    name="tiny",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description=None,
                    version=None,
                    languages=["en"],
                )
            ],
        )
    ]
)
PIPELINE = {
    "name": "Local",
    "language": "en",
    "conversation_engine": "conversation.home_assistant",
    "conversation_language": "en",
    "stt_engine": "stt.faster_whisper",
    "stt_language": "en",
    "tts_engine": None,
    "tts_language": None,
    "tts_voice": None,
    "wake_word_entity": None,
    "wake_word_id": None,
    "prefer_local_intents": True,
}


# Config flows ---------------------------------------------------------------------


async def test_user_config_flow_creates_entry_and_entities(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    flows = f"{hass.url}/api/config/config_entries/flow"
    start = {"handler": "wyoming", "show_advanced_options": False}
    async with asyncio.timeout(5), describe_server(ASR_INFO) as port:
        async with http.post(flows, json=start) as r:
            form = await r.json()
        assert form["type"] == "form" and form["step_id"] == "user"
        assert form["data_schema"][1] == {"name": "port", "required": True, "type": "integer"}
        async with http.post(
            f"{flows}/{form['flow_id']}", json={"host": "127.0.0.1", "port": port}
        ) as r:
            created = await r.json()
        assert created["type"] == "create_entry" and created["title"] == "faster-whisper"
        assert hass.house.states["stt.faster_whisper"].name == "faster-whisper"
        async with http.get(f"{hass.url}/api/config/config_entries/entry") as r:
            entries = await r.json()
        assert [(e["entry_id"], e["state"]) for e in entries] == [
            (created["result"]["entry_id"], "loaded")
        ]
        # HA 2026.11 never answers already_configured: the same host:port gets a second entry.
        async with http.post(flows, json=start) as r:
            again = await r.json()
        async with http.post(
            f"{flows}/{again['flow_id']}", json={"host": "127.0.0.1", "port": port}
        ) as r:
            duplicate = await r.json()
        assert duplicate["type"] == "create_entry"
        assert duplicate["result"]["entry_id"] != created["result"]["entry_id"]
        assert "stt.faster_whisper_2" in hass.house.states
        assert len(hass.flows.entries_at("127.0.0.1", port)) == 2
        async with http.get(flows) as r:
            assert r.status == 405  # flows in progress are listed over the websocket only
    hass.mark_unreachable("127.0.0.1", 1)
    async with asyncio.timeout(5):
        async with http.post(flows, json=start) as r:
            form = await r.json()
        for closed_port in (1, free_port()):  # injected, then a real refused connection
            async with http.post(
                f"{flows}/{form['flow_id']}", json={"host": "127.0.0.1", "port": closed_port}
            ) as r:
                assert (await r.json())["errors"] == {"base": "cannot_connect"}
        async with http.post(f"{flows}/{form['flow_id']}", json={"host": "127.0.0.1"}) as r:
            assert r.status == 400


async def test_discovered_satellite_flow(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    satellite = Info(
        satellite=Satellite(
            name="Kitchen Satellite",
            attribution=ATTRIBUTION,
            installed=True,
            description=None,
            version=None,
            area="Kitchen",
        )
    )
    flows = f"{hass.url}/api/config/config_entries/flow"
    async with asyncio.timeout(5), describe_server(satellite) as port:
        flow_id = await hass.add_discovered_flow("127.0.0.1", port, "kitchen-satellite")
        async with connect_ws(hass, http) as client:
            progress = await client.result("config_entries/flow/progress")
        assert [(f["flow_id"], f["context"]["source"]) for f in progress] == [(flow_id, "zeroconf")]
        unique_id = "kitchen-satellite._wyoming._tcp.local._Kitchen Satellite"
        assert progress[0]["context"]["unique_id"] == unique_id
        async with http.post(f"{flows}/{flow_id}", json={}) as r:
            created = await r.json()
        # Discovered again: the unique id is configured now, so HA aborts the discovery.
        assert await hass.add_discovered_flow("127.0.0.1", port, "kitchen-satellite") is None
    assert created["type"] == "create_entry" and created["result"]["source"] == "zeroconf"
    assert hass.house.states["assist_satellite.kitchen_satellite"].state == "idle"
    assert hass.house.area_of("assist_satellite.kitchen_satellite") == "kitchen"
    assert "stt.kitchen_satellite" not in hass.house.states
    assert hass.config_entries[0].data == {"host": "127.0.0.1", "port": port}


# Pipelines ------------------------------------------------------------------------


async def test_pipelines(hass: FakeHomeAssistant, http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(5), connect_ws(hass, http) as client:
        listed = await client.result("assist_pipeline/pipeline/list")
        assert [p["name"] for p in listed["pipelines"]] == ["Home Assistant"]
        incomplete = {k: v for k, v in PIPELINE.items() if k != "tts_voice"}
        bad = await client.command("assist_pipeline/pipeline/create", **incomplete)
        assert bad["error"]["code"] == "invalid_format"
        created = await client.result("assist_pipeline/pipeline/create", **PIPELINE)
        assert created == {**PIPELINE, "id": created["id"]}
        updated = await client.result(
            "assist_pipeline/pipeline/update",
            pipeline_id=created["id"],
            **{**PIPELINE, "tts_engine": "tts.piper", "tts_language": "en_US"},
        )
        assert updated["tts_engine"] == "tts.piper"
        await client.result("assist_pipeline/pipeline/set_preferred", pipeline_id=created["id"])
        listed = await client.result("assist_pipeline/pipeline/list")
        assert listed["preferred_pipeline"] == created["id"] and len(listed["pipelines"]) == 2
        refused = await client.command("assist_pipeline/pipeline/delete", pipeline_id=created["id"])
        assert not refused["success"]
        default_id = listed["pipelines"][0]["id"]
        await client.result("assist_pipeline/pipeline/delete", pipeline_id=default_id)
        assert [p["name"] for p in hass.pipelines] == ["Local"]


# Lifecycle ------------------------------------------------------------------------


async def test_restart_on_same_port_keeps_state(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(5):
        port = hass.port
        async with connect_ws(hass, http) as client:
            await hass.stop()
            assert (await client.ws.receive()).type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
            )
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(f"{hass.url}/api/"):
                pass
        hass.house.set_state("lock.front_door", "unlocked")
        await hass.start()
        assert hass.port == port
        async with http.get(f"{hass.url}/api/states/lock.front_door") as r:
            assert (await r.json())["state"] == "unlocked"


async def test_response_delay(hass: FakeHomeAssistant, http: aiohttp.ClientSession) -> None:
    hass.response_delay = 5.0
    async with asyncio.timeout(5):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3), http.get(f"{hass.url}/api/"):
                pass
        hass.response_delay = 0.0
        async with http.get(f"{hass.url}/api/") as r:
            assert r.status == 200


async def test_standalone_entry_point(http: aiohttp.ClientSession) -> None:
    port = free_port()
    async with asyncio.timeout(5):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "tests.fake_hass", "--port", str(port), "--token", TOKEN),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=Path(__file__).parents[1],
        )
    try:
        async with asyncio.timeout(10):
            assert process.stdout is not None
            url = (await process.stdout.readline()).decode().strip()
            assert url == f"http://127.0.0.1:{port}"
            async with http.get(f"{url}/api/") as r:
                assert r.status == 200
    finally:
        process.terminate()
        async with asyncio.timeout(5):
            await process.wait()
