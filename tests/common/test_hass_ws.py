"""The websocket layer of `wyoming_common.hass`, against the fake Home Assistant."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from wyoming_common.errors import WyomingVoiceError
from wyoming_common.hass import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
    HomeAssistantWebSocket,
    websocket_url,
)

TOKEN = "t"
SECRET = "secret-token-123"
STEP = 10.0  # upper bound for any single await in these tests


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (" HTTPS://ha.example.com ", "wss://ha.example.com/api/websocket"),
        ("http://h:1/proxy/ha/", "ws://h:1/proxy/ha/api/websocket"),
        ("wss://h/proxy/api/websocket", "wss://h/proxy/api/websocket"),
    ],
)
def test_websocket_url(url: str, expected: str) -> None:
    assert websocket_url(url) == expected


@pytest.mark.parametrize("url", ["homeassistant.local:8123", "ftp://h/", "http://"])
def test_websocket_url_needs_http_and_a_host(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        websocket_url(url)


def test_errors_share_the_wyoming_root_and_keep_their_codes() -> None:
    error = HomeAssistantCommandError("not_found", "Service light.explode not found.")
    assert isinstance(error, HomeAssistantError) and isinstance(error, WyomingVoiceError)
    assert (error.code, error.error_code) == ("home-assistant-command", "not_found")
    assert error.message == "Service light.explode not found."
    assert HomeAssistantConnectionError.code == "home-assistant-unavailable"
    assert HomeAssistantAuthError.code == "home-assistant-auth"


async def test_authenticates_and_answers_commands(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with asyncio.timeout(STEP), FakeHomeAssistant(token=SECRET) as hass:
        client = HomeAssistantWebSocket(hass.url, SECRET)
        assert SECRET not in repr(client) and hass.url.removeprefix("http") in repr(client)
        assert not client.connected
        async with client:
            assert client.connected and client.ha_version == hass.version
            states = await client.command("get_states")
            kitchen = next(s for s in states if s["entity_id"] == "light.kitchen")
            assert kitchen["attributes"]["friendly_name"] == "Kitchen Lights"
            assert await client.command("ping") is None  # a pong answers, too
            await client.connect()  # connected already: nothing happens
        assert not client.connected
        await client.wait_closed()
    assert SECRET not in caplog.text


async def test_wrong_token_is_an_auth_error() -> None:
    async with asyncio.timeout(STEP), FakeHomeAssistant(token=TOKEN) as hass:
        client = HomeAssistantWebSocket(hass.url, "wrong")
        with pytest.raises(HomeAssistantAuthError, match="rejected the access token"):
            async with client:
                pass
        assert not client.connected
        assert "wrong" not in repr(client)


async def test_error_results_raise_with_home_assistants_code() -> None:
    async with (
        asyncio.timeout(STEP),
        FakeHomeAssistant(token=TOKEN) as hass,
        HomeAssistantWebSocket(hass.url, TOKEN) as client,
    ):
        with pytest.raises(HomeAssistantCommandError) as unknown:
            await client.command("no/such/command")
        assert unknown.value.error_code == "unknown_command"
        with pytest.raises(HomeAssistantCommandError) as missing:
            await client.call_service("light", "explode")
        assert missing.value.error_code == "not_found"
        assert missing.value.message == "Service light.explode not found."
        # An error result leaves the connection usable.
        assert client.connected and await client.command("ping") is None


async def test_subscription_sees_the_state_change_of_a_service_call() -> None:
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with (
        asyncio.timeout(STEP),
        FakeHomeAssistant(token=TOKEN) as hass,
        HomeAssistantWebSocket(hass.url, TOKEN) as client,
    ):
        await client.subscribe_events("state_changed", events.put_nowait)
        result = await client.call_service(
            "light", "turn_on", {"brightness_pct": 50}, {"entity_id": "light.kitchen"}
        )
        assert "context" in result
        event = await events.get()
        assert event["event_type"] == "state_changed"
        data = event["data"]
        assert data["entity_id"] == "light.kitchen"
        assert (data["old_state"]["state"], data["new_state"]["state"]) == ("off", "on")
        assert hass.house.states["light.kitchen"].state == "on"


async def test_a_failing_listener_does_not_break_the_connection() -> None:
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    async with (
        asyncio.timeout(STEP),
        FakeHomeAssistant(token=TOKEN) as hass,
        HomeAssistantWebSocket(hass.url, TOKEN) as client,
    ):
        await client.subscribe_events("state_changed", broken)
        await client.call_service("light", "turn_on", target={"entity_id": "light.kitchen"})
        assert client.connected and await client.command("ping") is None


async def test_unreachable_home_assistant_is_a_connection_error_in_time() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    async with asyncio.timeout(STEP):
        client = HomeAssistantWebSocket(url, SECRET, request_timeout=1.0)
        with pytest.raises(HomeAssistantConnectionError, match="cannot connect") as caught:
            async with client:
                pass
    assert time.monotonic() - started < 1.0 + 1.0
    assert SECRET not in str(caught.value)
    with pytest.raises(HomeAssistantConnectionError, match="not connected"):
        await client.command("ping")


async def test_a_silent_home_assistant_is_a_connection_error_in_time() -> None:
    async with asyncio.timeout(STEP), FakeHomeAssistant(token=TOKEN) as hass:
        hass.response_delay = 30
        started = time.monotonic()
        with pytest.raises(HomeAssistantConnectionError, match=r"within 0\.5 s"):
            async with HomeAssistantWebSocket(hass.url, TOKEN, request_timeout=0.5):
                pass
        assert time.monotonic() - started < 0.5 + 2.5  # ws_close=2.0 bounds the close


async def test_slow_command_times_out_and_pending_commands_fail_on_disconnect() -> None:
    async with (
        asyncio.timeout(STEP),
        FakeHomeAssistant(token=TOKEN) as hass,
        HomeAssistantWebSocket(hass.url, TOKEN, request_timeout=0.5) as client,
    ):
        hass.response_delay = 30
        with pytest.raises(HomeAssistantConnectionError, match=r"did not answer ping within"):
            await client.command("ping")
        client.request_timeout = 30
        pending = asyncio.create_task(client.command("get_states"))
        await asyncio.sleep(0.1)
        await hass.stop()  # as a crashing Home Assistant would
        with pytest.raises(HomeAssistantConnectionError, match="lost"):
            await pending
        await client.wait_closed()
        assert not client.connected


async def test_a_replaced_connections_cleanup_leaves_the_new_one_alone() -> None:
    """A connection ends (its socket is closed) and a command reconnects before the old
    reader has finished: the old reader's cleanup must not mark the new connection closed or
    drop its subscriptions; what belonged to the old one ends when the new one starts."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with (
        asyncio.timeout(STEP),
        FakeHomeAssistant(token=TOKEN) as hass,
        HomeAssistantWebSocket(hass.url, TOKEN) as client,
    ):
        await client.subscribe_events("state_changed", events.put_nowait)
        closed_before = asyncio.create_task(client.wait_closed())
        old_ws, old_reader = client._ws, client._reader
        assert old_ws is not None and old_reader is not None
        await client._connect()  # the window: a new connection while the old reader runs
        await asyncio.wait_for(closed_before, 1)  # owners of the old one hear it ended
        new_events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await client.subscribe_events("state_changed", new_events.put_nowait)

        await old_ws.close()
        await asyncio.wait_for(old_reader, 5)  # the old reader's cleanup has run

        assert client.connected
        waiting = asyncio.create_task(client.wait_closed())
        await client.call_service("light", "turn_on", target={"entity_id": "light.kitchen"})
        event = await asyncio.wait_for(new_events.get(), 5)
        assert event["data"]["entity_id"] == "light.kitchen"
        assert events.empty()  # the old subscription ended with its connection
        assert not waiting.done()
        waiting.cancel()
