"""Names for the command grammar from Home Assistant: what Assist can be asked about.

At start the embedded engine asks Home Assistant's websocket API for the entities exposed to
Assist (their names and aliases) and the areas and floors (names and aliases), so users say
their own names without writing a --names-file. One short connection, bounded in time; the
caller carries on without these names when Home Assistant cannot be reached.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wyoming_common.hass_ws import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantError,
    HomeAssistantWebSocket,
    websocket_url,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "HassNames",
    "HassNamesError",
    "HassSource",
    "fetch_names",
    "fetch_names_blocking",
    "websocket_url",
]

DEFAULT_TIMEOUT = 5.0


class HassNamesError(Exception):
    """Home Assistant could not be asked (unreachable, refused the token, odd answer)."""


@dataclass(frozen=True)
class HassSource:
    """Where to ask: the URL and a long-lived access token (never logged)."""

    url: str
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class HassNames:
    """Entity names with aliases, and area and floor names with aliases."""

    names: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()


async def fetch_names(source: HassSource) -> HassNames:
    """Ask Home Assistant; HassNamesError when it cannot be done within source.timeout."""
    try:
        client = HomeAssistantWebSocket(source.url, source.token, request_timeout=source.timeout)
        async with asyncio.timeout(source.timeout), client:
            return await _ask(client)
    except TimeoutError as err:
        raise HassNamesError(f"no answer within {source.timeout:g} s") from err
    except HomeAssistantAuthError as err:
        raise HassNamesError("Home Assistant refused the access token") from err
    except HomeAssistantError as err:
        raise HassNamesError(str(err)) from err
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise HassNamesError(f"unexpected answer: {err}") from err


def fetch_names_blocking(source: HassSource) -> HassNames:
    """fetch_names for synchronous code (a thread of its own when a loop runs here)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(fetch_names(source))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch_names(source)).result()


async def _ask(client: HomeAssistantWebSocket) -> HassNames:
    listed = (await client.command("homeassistant/expose_entity/list"))["exposed_entities"]
    exposed = [eid for eid, assistants in listed.items() if assistants.get("conversation")]
    states = {s["entity_id"]: s for s in await client.command("get_states")}
    registry = {e["entity_id"]: e for e in await client.command("config/entity_registry/list")}
    extended: dict[str, Any] = {}
    registered = [eid for eid in exposed if eid in registry]
    if registered:
        extended = await client.command("config/entity_registry/get_entries", entity_ids=registered)
    names: list[str] = []
    for entity_id in exposed:
        entry = registry.get(entity_id) or {}
        attributes = (states.get(entity_id) or {}).get("attributes") or {}
        # Assist matches the state's name; the registry's names stand in for a missing state.
        names.extend(_strings([attributes.get("friendly_name") or entry.get("name")]))
        if not attributes.get("friendly_name"):
            names.extend(_strings([entry.get("original_name")]))
        names.extend(_strings((extended.get(entity_id) or {}).get("aliases") or ()))

    areas: list[str] = []
    for area in await client.command("config/area_registry/list"):
        areas.extend(_strings([area.get("name"), *(area.get("aliases") or ())]))
    try:
        floors = await client.command("config/floor_registry/list")
    except HomeAssistantCommandError:  # Home Assistant before floors (2024.4)
        floors = []
    for floor in floors:
        areas.extend(_strings([floor.get("name"), *(floor.get("aliases") or ())]))
    return HassNames(names=_unique(names), areas=_unique(areas))


def _strings(items: Iterable[Any]) -> list[str]:
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
