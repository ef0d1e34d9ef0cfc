"""The fake Home Assistant's `POST /api/intent/handle`, on the protocol: real HTTP requests
against `home.yaml`'s home, checking status, body and exactly which states changed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from wyoming.asr import Transcript
from wyoming.intent import Entity
from wyoming.intent import Intent as WyomingIntent

from tests.fake_hass.intent import SERVER_ERROR
from tests.fake_hass.testing import agent_server, connect_ws
from tests.fake_hass_checks.test_fake_hass_2026 import AGENT_INFO, add_entry, reply_with
from tests.support.services import shared_path
from wyoming_voice.bench.agent_home import diff, snapshot
from wyoming_voice.bench.agent_runner import CaseHome

from .conftest import IntentPost

# Real HA 2026.11 answers whose entities home.yaml reproduces by name and id.
EXACT = {
    ("HassTurnOn", "Standing Light"),
    ("HassTurnOn", "standing lights"),
    ("HassTurnOn", "No Such Thing"),
    ("HassLightSet", "Bed Light"),
    ("HassGetState", "Front Door"),
    ("HassListAddItem", "Shopping List"),
    ("HassTurnOff", "Garage Door"),
    ("HassStartTimer", None),
}


def ok(success: list[dict[str, Any]], kind: str = "action_done") -> dict[str, Any]:
    """HA's 200 body for a handled intent."""
    return {
        "speech": {},
        "card": {},
        "language": "en",
        "response_type": kind,
        "data": {"success": success, "failed": []},
    }


def error(text: str) -> dict[str, Any]:
    """HA's 200 body for a handled failure."""
    return {
        "speech": {"plain": {"speech": text, "extra_data": None}},
        "card": {},
        "language": "en",
        "response_type": "error",
        "data": {"code": "failed_to_handle"},
    }


def entity(name: str, entity_id: str) -> dict[str, Any]:
    return {"name": name, "type": "entity", "id": entity_id}


class Changes:
    """What changed in the home since it was created."""

    def __init__(self, home: CaseHome) -> None:
        self.home = home
        self.before = snapshot(home.hass.house)

    def __call__(self) -> dict[str, dict[str, Any]]:
        return diff(self.before, snapshot(self.home.hass.house))


@pytest.fixture
def changes(home: CaseHome) -> Changes:
    return Changes(home)


@pytest.mark.parametrize(("intent_type", "name"), sorted(EXACT, key=str))
async def test_matches_real_home_assistant_answers(
    intent: IntentPost, intent_type: str, name: str | None
) -> None:
    calls = json.loads(shared_path("docs", "ha_intent_examples.json").read_text("utf-8"))["calls"]
    [example] = [
        c
        for c in calls
        if (c["request"]["name"], c["request"]["data"].get("name")) == (intent_type, name)
    ][:1]
    request = example["request"]
    status, body = await intent(request["name"], **request["data"])
    assert status == 200
    assert body == example["response"]


async def test_unknown_intent_and_bad_slots_are_http_500(intent: IntentPost) -> None:
    assert await intent("HassNoSuchIntent") == (500, SERVER_ERROR)
    assert await intent("HassTurnOn", name="") == (500, SERVER_ERROR)
    assert await intent("HassLightSet", name="Bed Light", brightness=150) == (500, SERVER_ERROR)
    assert await intent("HassLightSet", name="Kitchen Strip", color="blurple") == (
        500,
        SERVER_ERROR,
    )
    assert await intent("HassListAddItem", name="Shopping List") == (500, SERVER_ERROR)
    # A service validation error inside a handler is unexpected for HA: 500 too.
    assert await intent("HassClimateSetTemperature", name="Thermostat", temperature=60) == (
        500,
        SERVER_ERROR,
    )


async def test_request_validation(home: CaseHome, http: aiohttp.ClientSession) -> None:
    url = f"{home.hass.url}/api/intent/handle"
    async with http.post(url, data=b"{nope") as response:
        assert (response.status, await response.json()) == (400, {"message": "Invalid JSON."})
    async with http.post(url, json={"data": {}}) as response:
        body = await response.json()
    assert (response.status, body["message"]) == (
        400,
        "Message format incorrect: required key not provided @ data['name']",
    )
    async with http.post(url, json={"name": "HassTurnOn", "data": []}) as response:
        assert response.status == 400
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.post(url, json={"name": "HassNevermind"}) as response:
            assert response.status == 401


async def test_names_are_strict_but_case_insensitive(intent: IntentPost, changes: Changes) -> None:
    for name in ("  kitchen CEILING ", "Counter Light", "light.kitchen_ceiling"):
        _status, body = await intent("HassTurnOn", name=name)
        assert body == ok([entity("Kitchen Ceiling", "light.kitchen_ceiling")]), name
    for name in ("the kitchen ceiling", "Kitchen Ceilings", "kitchen-ceiling"):
        _status, body = await intent("HassTurnOff", name=name)
        assert body == error(f"No entities matched the name (given name {name!r})")
    assert changes() == {
        "light.kitchen_ceiling": {"state": "on", "color_mode": "brightness", "brightness": 255}
    }


async def test_areas_floors_aliases_and_device_classes(
    intent: IntentPost, changes: Changes
) -> None:
    _, body = await intent("HassTurnOff", area="Lounge", domain="light")
    assert body["data"]["success"] == [
        {"name": "Living Room", "type": "area", "id": "living_room"},
        entity("Standing Light", "light.standing_light"),
    ]
    _, body = await intent("HassTurnOn", floor="Downstairs", domain="light")
    assert body["data"]["success"][0] == {"name": "Ground Floor", "type": "floor", "id": "ground"}
    assert [t["id"] for t in body["data"]["success"][1:]] == [
        "light.kitchen_ceiling",
        "light.kitchen_strip",
        "light.standing_light",
    ]
    _, body = await intent("HassTurnOn", domain="cover", device_class="garage")
    assert body == ok([entity("Garage Door", "cover.garage_door")])
    _, body = await intent("HassTurnOn", area="Attic", domain="light")
    assert body == error("The area does not exist (given area 'Attic', domains light)")
    _, body = await intent("HassTurnOn", area="Garage", domain="light")
    assert body == error("No entities were in the area (given area 'Garage', domains light)")
    assert set(changes()) == {
        "light.standing_light",
        "light.kitchen_ceiling",
        "light.kitchen_strip",
        "cover.garage_door",
    }


async def test_exposure_only_with_an_assistant(intent: IntentPost, home: CaseHome) -> None:
    _, body = await intent("HassTurnOn", name="Coffee Maker")
    assert body == error(
        "No matching entities are exposed to the assistant (given name 'Coffee Maker')"
    )
    assert home.hass.house.states["switch.coffee_maker"].state == "off"
    _, body = await intent("HassTurnOn", name="Coffee Maker", assistant=None)
    assert body == ok([entity("Coffee Maker", "switch.coffee_maker")])


async def test_duplicate_names_need_a_place(intent: IntentPost, changes: Changes) -> None:
    _, body = await intent("HassTurnOn", name="Desk Lamp")
    assert body == error("Multiple entities share the name (given name 'Desk Lamp')")
    _, body = await intent("HassTurnOn", name="Desk Lamp", preferred_area_id="office")
    assert body == ok([entity("Desk Lamp", "light.office_desk_lamp")])
    _, body = await intent("HassTurnOn", name="Desk Lamp", area="Bedroom")
    assert body["data"]["success"][-1] == entity("Desk Lamp", "light.bedroom_desk_lamp")
    assert set(changes()) == {"light.office_desk_lamp", "light.bedroom_desk_lamp"}


async def test_on_off_per_domain(intent: IntentPost, home: CaseHome, changes: Changes) -> None:
    for name in ("Garage Door", "Front Door", "Garden Water", "Guest Mode", "Good Night"):
        _status, body = await intent("HassTurnOn", name=name)
        assert body["response_type"] == "action_done", (name, body)
    _, body = await intent("HassTurnOff", name="Front Door")
    assert body["response_type"] == "action_done"
    seen = changes()
    assert seen["cover.garage_door"] == {"state": "open"}
    assert seen["lock.front_door"] == {"state": "unlocked"}  # locked, then unlocked
    assert seen["valve.garden_water"] == {"state": "open"}
    assert seen["input_boolean.guest_mode"] == {"state": "on"}
    assert list(seen["script.good_night"]) == ["last_triggered"]
    calls = [(c.domain, c.service) for c in home.hass.service_calls]
    assert calls[:2] == [("cover", "open_cover"), ("lock", "lock")]
    assert ("homeassistant", "turn_on") in calls and ("script", "turn_on") in calls
    _, body = await intent("HassTurnOff", name="Movie Night")
    assert body == error("Failed to call turn_off for: ['scene.movie_night']")
    _, body = await intent("HassTurnOn", name="Back Door")
    assert body == error("Failed to call turn_on for: ['binary_sensor.back_door']")


async def test_positions_need_cover_or_valve(intent: IntentPost, home: CaseHome) -> None:
    _, body = await intent("HassSetPosition", area="Living Room", position=30)
    assert body == error("Domain not supported: light")
    _, body = await intent("HassSetPosition", area="Living Room", domain="cover", position=30)
    assert body["response_type"] == "action_done"
    blinds = home.hass.house.states["cover.living_room_blinds"]
    assert (blinds.state, blinds.attributes["current_position"]) == ("open", 30)
    _, body = await intent("HassSetPosition", name="Garage Door", position=30)
    assert body == error("Failed to call set_cover_position for: ['cover.garage_door']")


async def test_websocket_services_follow_the_same_rules(
    home: CaseHome, http: aiohttp.ClientSession
) -> None:
    async with connect_ws(home.hass, http) as client:
        named = await client.command(
            "call_service",
            domain="media_player",
            service="media_next_track",
            target={"entity_id": "media_player.tv"},
        )
        assert named["error"] == {
            "code": "service_validation_error",
            "message": "Entity media_player.tv does not support action "
            "media_player.media_next_track.",
        }
        by_area = await client.result(
            "call_service",
            domain="media_player",
            service="media_next_track",
            target={"area_id": "living_room"},
        )
        assert by_area["context"]["id"]
    states = home.hass.house.states
    assert states["media_player.living_room_speaker"].attributes["media_track"] == 4
    assert home.hass.service_calls[-1].entity_ids == ["media_player.living_room_speaker"]


async def test_light_set(intent: IntentPost, home: CaseHome) -> None:
    states = home.hass.house.states
    await intent("HassLightSet", name="Kitchen Strip", color="Red")
    assert states["light.kitchen_strip"].attributes["rgb_color"] == (255, 0, 0)
    await intent("HassLightSet", name="Kitchen Strip", temperature=3000)
    assert states["light.kitchen_strip"].attributes["color_temp_kelvin"] == 3000
    _, body = await intent("HassLightSet", area="Living Room", brightness=10)
    assert [t["id"] for t in body["data"]["success"]] == ["living_room", "light.standing_light"]
    assert states["light.standing_light"].attributes["brightness"] == 26


async def test_media_pause_pauses_only_playing_players(
    intent: IntentPost, home: CaseHome, changes: Changes
) -> None:
    _, body = await intent("HassMediaPause")
    assert [t["id"] for t in body["data"]["success"]] == [
        "media_player.living_room_speaker",
        "media_player.tv",
    ]
    _, body = await intent("HassMediaPause", name="Office Speaker")
    assert body == error(
        "No entities were in the required state"
        " (given name 'Office Speaker', domains media_player, states playing, features 1)"
    )
    _, body = await intent("HassMediaUnpause")
    assert [t["id"] for t in body["data"]["success"]] == [
        "media_player.living_room_speaker",
        "media_player.tv",
    ]
    assert changes() == {}  # paused, then resumed: back where they were
    assert home.hass.house.states["media_player.office_speaker"].state == "paused"


async def test_media_features(intent: IntentPost, home: CaseHome) -> None:
    _, body = await intent("HassMediaNext", name="TV")
    assert body == error(
        "No entities supported the required features"
        " (given name 'TV', domains media_player, states playing, features 32)"
    )
    _, body = await intent("HassMediaNext", name="Living Room Speaker")
    assert body["response_type"] == "action_done"
    speaker = home.hass.house.states["media_player.living_room_speaker"]
    assert speaker.attributes["media_track"] == 4
    await intent("HassSetVolume", name="TV", volume_level=40)
    await intent("HassMediaPlayerMute", name="TV")
    tv = home.hass.house.states["media_player.tv"]
    assert (tv.state, tv.attributes["volume_level"], tv.attributes["is_volume_muted"]) == (
        "playing",
        0.4,
        True,
    )


async def test_climate_single_target_and_features(intent: IntentPost, home: CaseHome) -> None:
    _, body = await intent("HassClimateSetTemperature", temperature=22)
    assert (
        body
        == error(
            "Multiple entities matched, but a single target is required"
            " (given domains climate, features 1)"
        )
        or body["response_type"] == "action_done"
    )
    _, body = await intent("HassClimateSetTemperature", name="Upstairs HVAC", temperature=21)
    assert body == error(
        "No entities supported the required features"
        " (given name 'Upstairs HVAC', domains climate, features 1)"
    )
    _, body = await intent("HassClimateSetTemperature", area="Living Room", temperature="21.5")
    assert body == ok([entity("Thermostat", "climate.thermostat")])
    assert home.hass.house.states["climate.thermostat"].attributes["temperature"] == 21.5
    _, body = await intent("HassClimateGetTemperature", name="Thermostat")
    assert body == ok([], "query_answer")


async def test_fan_vacuum(intent: IntentPost, changes: Changes) -> None:
    await intent("HassFanSetSpeed", name="Office Fan", percentage=40)
    await intent("HassVacuumStart", name="Robot Vacuum")
    assert changes() == {
        "fan.office_fan": {"state": "on", "percentage": 40},
        "vacuum.robot": {"state": "cleaning"},
    }
    await intent("HassVacuumReturnToBase", name="Robot Vacuum")
    assert changes()["vacuum.robot"] == {"state": "returning"}


async def test_queries(intent: IntentPost) -> None:
    _, body = await intent("HassGetState", name="Nothing Here")
    assert body == ok([], "query_answer")
    _, body = await intent("HassGetState", domain="cover", device_class="window", state="open")
    assert body == ok([entity("Office Window", "cover.office_window")], "query_answer")
    _, body = await intent("HassGetState", name="Coffee Maker")
    assert body["response_type"] == "error"
    _, body = await intent("HassGetWeather")
    assert body == ok([entity("Home", "weather.home")], "query_answer")
    _, body = await intent("HassGetCurrentDate")
    assert len(body["speech_slots"]["date"]) == 10
    _, body = await intent("HassNevermind")
    assert body == ok([])


async def test_todo_lists(intent: IntentPost, home: CaseHome, http: aiohttp.ClientSession) -> None:
    _, body = await intent("HassListAddItem", name="shopping list", item=" apples ")
    assert body == ok([entity("shopping list", "todo.shopping_list")])
    _, body = await intent("HassListCompleteItem", name="Shopping List", item="milk")
    assert body["response_type"] == "action_done"
    _, body = await intent("HassListCompleteItem", name="Shopping List", item="bread")
    assert body == error("Item 'bread' not found on list")
    url = f"{home.hass.url}/api/services/todo/get_items?return_response"
    async with http.post(url, json={"entity_id": "todo.shopping_list"}) as response:
        items = (await response.json())["service_response"]["todo.shopping_list"]["items"]
    assert [(i["summary"], i["status"]) for i in items] == [
        ("Milk", "completed"),
        ("Eggs", "needs_action"),
        ("Apples", "needs_action"),
    ]
    assert home.hass.house.states["todo.shopping_list"].state == "2"


async def test_timers_need_a_timer_device(intent: IntentPost) -> None:
    request = {"device_id": "kitchen_satellite"}
    assert (await intent("HassStartTimer", minutes=5, request=request))[1] == ok([])
    _, body = await intent("HassStartTimer", minutes=5, request={"device_id": "hall_panel"})
    assert body == error("Device does not support timers: device_id=hall_panel")
    office = {"device_id": "office_satellite"}
    await intent("HassStartTimer", minutes=10, name="pasta", request=office)
    _, body = await intent("HassCancelTimer")
    assert body == error("Multiple timers matched")
    _, body = await intent("HassIncreaseTimer", minutes=2, name="Pasta")
    assert body == ok([])
    _, body = await intent("HassTimerStatus", request=office)
    timers = body["speech_slots"]["timers"]
    assert [(t["name"], t["total_seconds_left"]) for t in timers] == [("pasta", 720), ("", 300)]
    _, body = await intent("HassCancelTimer", start_minutes=5)
    assert body == ok([])
    _, body = await intent("HassCancelAllTimers")
    assert body["speech_slots"] == {"canceled": 1}
    _, body = await intent("HassCancelTimer")
    assert body == error("Timer not found")


@pytest.mark.parametrize(
    ("slots", "response_type", "speech"),
    [
        ({"name": "Standing Light"}, "action_done", "Turning off"),
        (
            {"name": "Standing Lights"},
            "error",
            "Error handling intent: No entities matched the name (given name 'Standing Lights')",
        ),
    ],
)
async def test_wyoming_agent_intents_run_through_the_same_intents(
    home: CaseHome,
    http: aiohttp.ClientSession,
    slots: dict[str, str],
    response_type: str,
    speech: str,
) -> None:
    """An agent may answer `intent`: HA 2026.11 runs it for the `conversation` assistant."""
    entities = [Entity(name=k, value=v) for k, v in slots.items()]
    intent_event = WyomingIntent("HassTurnOff", entities=entities, text="Turning off").event()
    heard: list[Transcript] = []
    async with (
        asyncio.timeout(5),
        agent_server(AGENT_INFO, reply_with(intent_event), heard) as port,
    ):
        await add_entry(home.hass, http, port)
        body = {"text": "turn off the standing light", "agent_id": "conversation.test_agent"}
        async with http.post(f"{home.hass.url}/api/conversation/process", json=body) as r:
            result = (await r.json())["response"]
    assert (result["response_type"], result["speech"]["plain"]["speech"]) == (
        response_type,
        speech,
    )
    on = home.hass.house.states["light.standing_light"].state == "on"
    assert on is (response_type == "error")


async def test_todo_items_over_the_websocket(home: CaseHome, http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(5), connect_ws(home.hass, http) as client:
        result = await client.result(
            "call_service",
            domain="todo",
            service="get_items",
            target={"entity_id": "todo.shopping_list"},
            return_response=True,
        )
        assert [i["summary"] for i in result["response"]["todo.shopping_list"]["items"]] == [
            "Milk",
            "Eggs",
        ]
        refused = await client.command("call_service", domain="todo", service="get_items")
        assert refused["error"]["code"] == "service_validation_error"
        light = await client.command(
            "call_service", domain="light", service="turn_on", return_response=True
        )
        assert light["error"]["code"] == "service_validation_error"


async def test_relative_volume_search_and_fan_mode(intent: IntentPost, home: CaseHome) -> None:
    states = home.hass.house.states
    assert (await intent("HassSetVolumeRelative", name="TV", volume_step="up"))[1] == ok([])
    assert states["media_player.tv"].attributes["volume_level"] == 0.6
    await intent("HassSetVolumeRelative", name="TV", volume_step=-30)
    assert states["media_player.tv"].attributes["volume_level"] == pytest.approx(0.3)
    # Several players without a name: only the playing ones (not the paused office speaker).
    await intent("HassSetVolumeRelative", domain="media_player", floor="upstairs", volume_step=10)
    await intent("HassSetVolumeRelative", area="Living Room", volume_step="down")
    assert states["media_player.living_room_speaker"].attributes["volume_level"] == 0.2
    assert states["media_player.tv"].attributes["volume_level"] == pytest.approx(0.2)
    assert states["media_player.office_speaker"].attributes["volume_level"] == pytest.approx(0.3)
    _, body = await intent("HassMediaSearchAndPlay", search_query="jazz", name="TV")
    assert body == error(
        "No entities supported the required features"
        " (given name 'TV', domains media_player, features 4194816)"
    )
    _, body = await intent("HassClimateSetFanMode", name="Thermostat", fan_mode="HIGH")
    assert body == ok([entity("Thermostat", "climate.thermostat")])
    assert states["climate.thermostat"].attributes["fan_mode"] == "high"
    _, body = await intent("HassClimateSetFanMode", name="Thermostat", fan_mode="turbo")
    assert body == error("Fan mode turbo is not supported by Thermostat")
