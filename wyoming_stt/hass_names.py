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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import aiohttp

DEFAULT_TIMEOUT = 5.0
_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


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


def websocket_url(url: str) -> str:
    """`http://host:8123` → `ws://host:8123/api/websocket` (https → wss)."""
    parts = urlsplit(url.strip())
    scheme = _WS_SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"expected http(s)://HOST:PORT, got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/api/websocket"):
        path += "/api/websocket"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


async def fetch_names(source: HassSource) -> HassNames:
    """Ask Home Assistant; HassNamesError when it cannot be done within source.timeout."""
    import aiohttp  # only when asked: the service starts faster without it

    try:
        url = websocket_url(source.url)
        async with (
            asyncio.timeout(source.timeout),
            aiohttp.ClientSession() as session,
            session.ws_connect(url, max_msg_size=64 * 1024 * 1024) as ws,
        ):
            return await _ask(_Connection(ws), source.token)
    except TimeoutError as err:
        raise HassNamesError(f"no answer within {source.timeout:g} s") from err
    except aiohttp.ClientError as err:
        raise HassNamesError(str(err) or type(err).__name__) from err
    except (ValueError, TypeError, KeyError) as err:
        raise HassNamesError(f"unexpected answer: {err}") from err


def fetch_names_blocking(source: HassSource) -> HassNames:
    """fetch_names for synchronous code (a thread of its own when a loop runs here)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(fetch_names(source))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch_names(source)).result()


class _Connection:
    """Home Assistant's websocket commands: numbered requests, `result` answers."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 1

    async def receive(self) -> dict[str, Any]:
        from aiohttp import WSMsgType

        message = await self.ws.receive()
        if message.type != WSMsgType.TEXT:
            raise HassNamesError("Home Assistant closed the connection")
        data = message.json()
        if not isinstance(data, dict):
            raise ValueError("a message is not an object")
        return data

    async def command(self, kind: str, **fields: Any) -> Any:
        msg_id, self.next_id = self.next_id, self.next_id + 1
        await self.ws.send_json({"id": msg_id, "type": kind, **fields})
        while True:
            message = await self.receive()
            if message.get("id") == msg_id and message.get("type") == "result":
                break
        if not message.get("success"):
            error = message.get("error") or {}
            raise HassNamesError(f"{kind} failed: {error.get('message') or error}")
        return message.get("result")


async def _ask(connection: _Connection, token: str) -> HassNames:
    hello = await connection.receive()
    if hello.get("type") != "auth_required":
        raise HassNamesError("this is not Home Assistant's websocket API")
    await connection.ws.send_json({"type": "auth", "access_token": token})
    if (await connection.receive()).get("type") != "auth_ok":
        raise HassNamesError("Home Assistant refused the access token")

    listed = (await connection.command("homeassistant/expose_entity/list"))["exposed_entities"]
    exposed = [eid for eid, assistants in listed.items() if assistants.get("conversation")]
    states = {s["entity_id"]: s for s in await connection.command("get_states")}
    registry = {e["entity_id"]: e for e in await connection.command("config/entity_registry/list")}
    extended: dict[str, Any] = {}
    registered = [eid for eid in exposed if eid in registry]
    if registered:
        extended = await connection.command(
            "config/entity_registry/get_entries", entity_ids=registered
        )
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
    for area in await connection.command("config/area_registry/list"):
        areas.extend(_strings([area.get("name"), *(area.get("aliases") or ())]))
    try:
        floors = await connection.command("config/floor_registry/list")
    except HassNamesError:  # Home Assistant before floors (2024.4)
        floors = []
    for floor in floors:
        areas.extend(_strings([floor.get("name"), *(floor.get("aliases") or ())]))
    return HassNames(names=_unique(names), areas=_unique(areas))


def _strings(items: Iterable[Any]) -> list[str]:
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
