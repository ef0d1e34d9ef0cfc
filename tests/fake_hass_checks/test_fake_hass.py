"""The fake Home Assistant, exercised over real HTTP and websocket connections."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.fake_hass import FakeHomeAssistant, HouseError, build_default_house
from tests.fake_hass.testing import connect_ws

pytestmark = pytest.mark.asyncio


# Websocket ----------------------------------------------------------------------


async def test_auth_invalid_closes(hass: FakeHomeAssistant, http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(5), http.ws_connect(hass.ws_url) as ws:
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": "wrong"})
        assert (await ws.receive_json())["type"] == "auth_invalid"
        assert (await ws.receive()).type == aiohttp.WSMsgType.CLOSE


async def test_states_and_basic_commands(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(5), connect_ws(hass, http) as client:
        assert (await client.result("supported_features", features={})) is None
        states = {s["entity_id"]: s for s in await client.result("get_states")}
        kitchen = states["light.kitchen"]
        assert kitchen["state"] == "off"
        assert kitchen["attributes"]["friendly_name"] == "Kitchen Lights"
        assert set(kitchen) >= {"last_changed", "last_updated", "context"}
        assert states["sensor.office_temperature"]["attributes"]["unit_of_measurement"] == "°C"
        assert (await client.command("ping")) == {"id": 3, "type": "pong"}
        unknown = await client.command("no/such/command")
        assert unknown["error"]["code"] == "unknown_command"
        await client.ws.send_json({"id": 1, "type": "ping"})
        assert (await client.ws.receive_json())["error"]["code"] == "id_reuse"


async def test_call_service_changes_state_and_notifies(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with (
        asyncio.timeout(5),
        connect_ws(hass, http) as watcher,
        connect_ws(hass, http) as actor,
    ):
        sub_id = await watcher.send("subscribe_events", event_type="state_changed")
        assert (await watcher.ws.receive_json())["success"]
        result = await actor.result(
            "call_service",
            domain="light",
            service="turn_on",
            service_data={"brightness_pct": 50, "color_name": "red"},
            target={"entity_id": "light.kitchen"},
        )
        assert set(result) == {"context"}
        event = await watcher.ws.receive_json()
        assert event["id"] == sub_id and event["type"] == "event"
        data = event["event"]["data"]
        assert event["event"]["event_type"] == "state_changed"
        assert data["entity_id"] == "light.kitchen"
        assert (data["old_state"]["state"], data["new_state"]["state"]) == ("off", "on")
        assert data["new_state"]["attributes"]["brightness"] == 128
        assert data["new_state"]["attributes"]["rgb_color"] == [255, 0, 0]
        call = hass.service_calls[-1]
        assert (call.domain, call.service, call.entity_ids) == (
            "light",
            "turn_on",
            ["light.kitchen"],
        )
        assert call.data == {"brightness_pct": 50, "color_name": "red"}
        assert await watcher.result("unsubscribe_events", subscription=sub_id) is None


async def test_call_service_errors(hass: FakeHomeAssistant, http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(5), connect_ws(hass, http) as client:
        target = {"entity_id": "light.nowhere"}
        missing = await client.command(
            "call_service", domain="light", service="turn_on", target=target
        )
        assert missing["error"]["code"] == "not_found"
        no_service = await client.command("call_service", domain="light", service="explode")
        assert no_service["error"] == {
            "code": "not_found",
            "message": "Service light.explode not found.",
        }
        hass.house.fail_service("lock", "unlock")
        target = {"entity_id": "lock.front_door"}
        failed = await client.command(
            "call_service", domain="lock", service="unlock", target=target
        )
        assert failed["error"]["code"] == "home_assistant_error"
        assert hass.house.states["lock.front_door"].state == "locked"
        assert hass.service_calls[-1].error == "home_assistant_error"
        garage = await client.command(
            "call_service",
            domain="cover",
            service="set_cover_position",
            service_data={"entity_id": "cover.garage_door", "position": 50},
        )
        assert garage["error"]["code"] == "service_validation_error"


async def test_exposure_and_registries(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(5), connect_ws(hass, http) as client:
        exposed = (await client.result("homeassistant/expose_entity/list"))["exposed_entities"]
        assert exposed["switch.coffee_maker"] == {"conversation": False}
        assert exposed["light.kitchen"] == {"conversation": True}
        await client.result(
            "homeassistant/expose_entity",
            assistants=["conversation"],
            entity_ids=["switch.coffee_maker"],
            should_expose=True,
        )
        assert hass.exposed["switch.coffee_maker"] is True
        areas = {a["area_id"]: a for a in await client.result("config/area_registry/list")}
        assert areas["office"]["floor_id"] == "first" and areas["office"]["name"] == "Office"
        floors = await client.result("config/floor_registry/list")
        assert {f["floor_id"] for f in floors} == {"ground", "first"}
        entities = {e["entity_id"]: e for e in await client.result("config/entity_registry/list")}
        assert entities["light.office_standing"]["area_id"] == "office"
        # light.kitchen takes its area from its device, as most HA entities do.
        devices = {d["id"]: d for d in await client.result("config/device_registry/list")}
        assert entities["light.kitchen"]["area_id"] is None
        assert devices[entities["light.kitchen"]["device_id"]]["area_id"] == "kitchen"
        entries = await client.result(
            "config/entity_registry/get_entries", entity_ids=["light.kitchen", "light.none"]
        )
        assert entries["light.kitchen"]["aliases"] == ["Kitchen"]
        assert entries["light.none"] is None


# REST -----------------------------------------------------------------------------


async def test_rest_auth_config_and_states(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(5):
        async with aiohttp.ClientSession() as anonymous:
            async with anonymous.get(f"{hass.url}/api/") as response:
                assert response.status == 401
        async with http.get(f"{hass.url}/api/") as response:
            assert (await response.json()) == {"message": "API running."}
        async with http.get(f"{hass.url}/api/config") as response:
            assert (await response.json())["version"] == "2026.11.0"
        async with http.get(f"{hass.url}/api/states") as response:
            assert len(await response.json()) == len(hass.house.states)
        async with http.get(f"{hass.url}/api/states/fan.office") as response:
            assert (await response.json())["attributes"]["friendly_name"] == "Office Fan"
        async with http.get(f"{hass.url}/api/states/fan.nope") as response:
            assert response.status == 404


async def test_rest_services_intents_and_conversation(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(5):
        body = {"entity_id": "climate.ecobee", "temperature": 23}
        async with http.post(f"{hass.url}/api/services/climate/set_temperature", json=body) as r:
            changed = await r.json()
        assert [s["attributes"]["temperature"] for s in changed] == [23.0]
        async with http.post(f"{hass.url}/api/services/light/explode", json={}) as r:
            assert r.status == 400
        intent = {"name": "HassTurnOn", "data": {"name": "standing light"}}
        hass.house.set_state("light.office_standing", "off")
        async with http.post(f"{hass.url}/api/intent/handle", json=intent) as r:
            response = await r.json()
        assert response["response_type"] == "action_done"
        assert response["data"]["success"][0]["id"] == "light.office_standing"
        assert hass.house.states["light.office_standing"].state == "on"
        text = {"text": "Turn off the kitchen light"}
        hass.house.call_service("light", "turn_on", target={"entity_id": "light.kitchen"})
        async with http.post(f"{hass.url}/api/conversation/process", json=text) as r:
            result = await r.json()
        assert result["response"]["response_type"] == "action_done"
        assert hass.house.states["light.kitchen"].state == "off"
        async with http.post(
            f"{hass.url}/api/conversation/process", json={"text": "sing a song"}
        ) as r:
            result = await r.json()
        speech = result["response"]["speech"]["plain"]["speech"]
        assert speech == "Sorry, I couldn't understand that"
        assert hass.conversation_requests[-1]["text"] == "sing a song"


# The house model alone ------------------------------------------------------------


async def test_house_service_effects() -> None:
    house = build_default_house()
    house.call_service(
        "cover", "set_cover_position", {"position": 30}, {"entity_id": "cover.office_blinds"}
    )
    assert house.states["cover.office_blinds"].attributes["current_position"] == 30
    house.call_service(
        "media_player", "volume_set", {"entity_id": "media_player.tv", "volume_level": 0.6}
    )
    assert house.states["media_player.tv"].attributes["volume_level"] == 0.6
    house.call_service("script", "party_time")
    assert house.states["script.party_time"].attributes["last_triggered"] is not None
    house.call_service("scene", "turn_on", target={"entity_id": "scene.movie_night"})
    assert house.states["scene.movie_night"].state != "unknown"
    changed = house.call_service("light", "turn_off", target={"area_id": "office"})
    assert [s.entity_id for s in changed] == ["light.office_standing"]
    with pytest.raises(HouseError) as err:
        house.call_service(
            "climate", "set_temperature", {"temperature": 60}, {"entity_id": "climate.ecobee"}
        )
    assert err.value.code == "service_validation_error"
