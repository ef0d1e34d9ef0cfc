"""`wyoming_common.hass.HomeAssistantClient` against the fake Home Assistant (a real server)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import describe_server, free_port
from tests.fake_hass_checks.test_fake_hass_flows import ASR_INFO
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantClient,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
    HomeAssistantTimeoutError,
    LiveConnection,
    RegistryChange,
    rest_url,
)

SECRET = "secret-token-456"
STEP = 10.0  # upper bound for any single await in these tests


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    async with asyncio.timeout(STEP), FakeHomeAssistant(token=SECRET) as fake:
        yield fake


@pytest.fixture
async def client(hass: FakeHomeAssistant) -> AsyncIterator[HomeAssistantClient]:
    async with HomeAssistantClient(hass.url, SECRET, request_timeout=2.0) as ha:
        yield ha


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://h:8123/api/websocket", "http://h:8123"),
        ("HTTPS://ha.example.com/", "https://ha.example.com"),
        ("wss://h/proxy/api/websocket", "https://h/proxy"),
    ],
)
def test_rest_url(url: str, expected: str) -> None:
    assert rest_url(url) == expected


@pytest.mark.parametrize(
    "url", ["homeassistant.local:8123", "http://", "http://[::1", "http://h:99999", "http://h:x"]
)
def test_url_must_be_http_or_ws_with_a_valid_port(url: str) -> None:
    with pytest.raises(ValueError, match="expected http"):
        HomeAssistantClient(url, SECRET)


async def test_typed_states_registries_and_exposure(
    hass: FakeHomeAssistant, client: HomeAssistantClient
) -> None:
    house = hass.house
    async with asyncio.timeout(STEP):
        states = {s.entity_id: s for s in await client.get_states()}
        assert set(states) == set(house.states)
        assert states["light.kitchen"].name == house.states["light.kitchen"].name
        assert states["light.kitchen"].domain == "light"
        one = await client.get_state("light.kitchen")
        assert one is not None and one.state == house.states["light.kitchen"].state
        assert await client.get_state("light.nowhere") is None
        assert await client.exposed_entity_ids() == {e for e in house.states if house.is_exposed(e)}
        areas = {a.area_id: a for a in await client.areas()}
        assert {k: (a.name, a.floor_id, list(a.aliases)) for k, a in areas.items()} == {
            k: (a.name, a.floor_id, a.aliases) for k, a in house.areas.items()
        }
        assert {f.floor_id for f in await client.floors()} == set(house.floors)
        devices = {d.device_id: d.area_id for d in await client.devices()}
        assert devices == {d.id: d.area_id for d in house.devices.values()}
        registry = {e.entity_id: e for e in await client.entity_registry()}
        assert set(registry) == set(house.entities)
        assert registry["light.kitchen"].aliases is None  # HA lists entries without aliases
        entries = await client.entity_entries(["light.kitchen", "light.nowhere"])
        assert set(entries) == {"light.kitchen"}
        assert (
            list(entries["light.kitchen"].aliases or ()) == house.entities["light.kitchen"].aliases
        )
        assert await client.entity_entries([]) == {}


async def test_services_intents_and_conversation(
    hass: FakeHomeAssistant, client: HomeAssistantClient
) -> None:
    async with asyncio.timeout(STEP):
        await client.call_service("light", "turn_off", target={"entity_id": "light.kitchen"})
        name = hass.house.states["light.kitchen"].name
        result = await client.handle_intent(
            "HassTurnOn", {"name": name}, language="en", assistant="conversation"
        )
        assert result.ok and result.response_type == "action_done"
        assert ("light.kitchen", "entity") in {(t.id, t.type) for t in result.success}
        assert hass.house.states["light.kitchen"].state == "on"
        missing = await client.handle_intent("HassTurnOn", {"name": "no such thing at all"})
        assert not missing.ok and missing.error_code and missing.speech
        answer = await client.process_conversation(f"turn off the {name}")
        assert answer.response.response_type == "action_done" and answer.conversation_id
        assert hass.house.states["light.kitchen"].state == "off"
        with pytest.raises(HomeAssistantCommandError) as refused:
            await client.call_service("light", "explode")
        assert refused.value.error_code == "not_found"
        with pytest.raises(HomeAssistantCommandError) as unknown:  # HA answers HTTP 500
            await client.handle_intent("HassNoSuchIntent", {"name": name})
        assert (unknown.value.status, unknown.value.error_code) == (500, "http_500")
        assert "Server got itself in trouble" in unknown.value.message


async def test_registry_changes_reach_a_subscriber(
    hass: FakeHomeAssistant, client: HomeAssistantClient
) -> None:
    changes: asyncio.Queue[RegistryChange] = asyncio.Queue()
    async with asyncio.timeout(STEP):
        ids = await client.subscribe_registry_changes(changes.put_nowait)
        assert len(ids) == 4
        async with HomeAssistantClient(hass.url, SECRET) as other:
            await other.command(
                "config/entity_registry/update", entity_id="light.kitchen", aliases=["Cooker"]
            )
            change = await changes.get()
            assert (change.registry, change.action) == ("entity", "update")
            assert change.data["entity_id"] == "light.kitchen"
            assert (await client.entity_entries(["light.kitchen"]))["light.kitchen"].aliases == (
                "Cooker",
            )
            await other.command("config/area_registry/update", area_id="office", name="Den")
            assert (await changes.get()).registry == "area"
            await other.expose_entities(["switch.coffee_maker"], expose=False)
            change = await changes.get()
            assert (change.registry, change.data["entity_id"]) == ("entity", "switch.coffee_maker")
        await client.unsubscribe(ids[0])
        await other_update(hass)
        await asyncio.sleep(0.2)
        assert changes.empty()


async def other_update(hass: FakeHomeAssistant) -> None:
    async with HomeAssistantClient(hass.url, SECRET) as other:
        await other.command("config/entity_registry/update", entity_id="light.kitchen", aliases=[])


async def test_config_flows_and_entry_settings(
    hass: FakeHomeAssistant, client: HomeAssistantClient
) -> None:
    flows = client.config_flows
    async with asyncio.timeout(STEP), describe_server(ASR_INFO) as port:
        form = await flows.start("wyoming")
        assert (form.type, form.step_id) == ("form", "user")
        created = await flows.configure(form.flow_id, {"host": "127.0.0.1", "port": port})
        assert created.type == "create_entry" and created.entry is not None
        [entry] = await flows.entries("wyoming")
        assert entry == created.entry
        settings = await flows.entry_settings("wyoming", entry.entry_id)
        assert settings == {"host": "127.0.0.1", "port": port}
        assert not hass.flows.flows  # the reconfigure flow was dropped again
        assert await flows.entry_settings("wyoming", "no-such-entry") is None
        await flows.remove_entry(entry.entry_id)
        assert await flows.entries("wyoming") == []


async def test_wrong_token_and_secrets(
    hass: FakeHomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-789"
    async with asyncio.timeout(STEP), HomeAssistantClient(hass.url, wrong) as client:
        assert wrong not in repr(client) and hass.url in repr(client)
        with pytest.raises(HomeAssistantAuthError) as rest_error:
            await client.check()
        with pytest.raises(HomeAssistantAuthError) as ws_error:
            await client.get_states()
    for error in (rest_error.value, ws_error.value):
        assert isinstance(error, HomeAssistantError)
        assert wrong not in str(error)
    async with asyncio.timeout(STEP), HomeAssistantClient(hass.url, SECRET) as client:
        assert await client.check() == hass.version
        await client.get_states()
        assert client.ha_version == hass.version
    assert wrong not in caplog.text and SECRET not in caplog.text


async def test_unreachable_home_assistant_fails_fast() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with asyncio.timeout(STEP), HomeAssistantClient(url, SECRET) as client:
        with pytest.raises(HomeAssistantConnectionError, match="cannot"):
            await client.check()
        with pytest.raises(HomeAssistantConnectionError, match="cannot connect"):
            await client.get_states()


@pytest.mark.parametrize("call", ["rest", "websocket", "intent"])
async def test_a_frozen_home_assistant_never_hangs_a_caller(
    hass: FakeHomeAssistant, call: str
) -> None:
    async with asyncio.timeout(STEP), HomeAssistantClient(hass.url, SECRET) as client:
        if call == "websocket":
            await client.connect()
        client.request_timeout = 0.5
        hass.response_delay = 30
        started = time.monotonic()
        with pytest.raises(HomeAssistantTimeoutError, match=r"within 0\.5 s"):
            if call == "rest":
                await client.get_state("light.kitchen")
            elif call == "websocket":
                await client.get_states()
            else:
                await client.handle_intent("HassTurnOn", {"name": "Kitchen"})
        assert time.monotonic() - started < 1.5
        hass.response_delay = 0


async def test_concurrent_first_commands_share_one_connection(
    hass: FakeHomeAssistant, client: HomeAssistantClient
) -> None:
    async with asyncio.timeout(STEP):
        states, areas, devices = await asyncio.gather(
            client.get_states(), client.areas(), client.devices()
        )
    assert states and areas and devices
    assert len(hass._sockets) == 1


async def test_an_injected_session_is_used_and_left_open(hass: FakeHomeAssistant) -> None:
    async with asyncio.timeout(STEP), aiohttp.ClientSession() as session:
        async with HomeAssistantClient(hass.url, SECRET, session=session) as client:
            assert client.session is session
            await client.get_states()
            assert client.connected
        assert not client.connected and not session.closed


async def test_live_connection_reconnects_and_reruns_setup(hass: FakeHomeAssistant) -> None:
    connects: asyncio.Queue[str | None] = asyncio.Queue()

    async def on_connect(client: HomeAssistantClient) -> None:
        await client.subscribe_events("state_changed", lambda event: None)
        connects.put_nowait(client.ha_version)

    live = LiveConnection(HomeAssistantClient(hass.url, SECRET), on_connect, backoff=(0.05, 0.2))
    async with asyncio.timeout(STEP):
        await live.start()
        assert await connects.get() == hass.version
        assert await live.wait_available(1.0) and live.available
        await hass.stop()
        await live.client.wait_closed()
        assert not live.available
        await hass.start()
        assert await connects.get() == hass.version  # subscribed again on the new connection
        assert await live.wait_available(1.0)
        await live.stop()
        assert not live.available and not live.client.connected


async def test_live_connection_keeps_trying_with_a_wrong_token(
    hass: FakeHomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    async def on_connect(client: HomeAssistantClient) -> None:
        raise AssertionError("never connects")

    live = LiveConnection(HomeAssistantClient(hass.url, "bad"), on_connect, backoff=(0.05, 0.1))
    async with asyncio.timeout(STEP):
        await live.start()
        assert not await live.wait_available(0.5)
        assert live.last_error is not None and "rejected" in live.last_error
        await live.stop()
    assert "check --hass-token-file" in caplog.text
