"""A small Home Assistant websocket API client (long-lived access token).

Shaped like frenck/python-elgato: an injectable `aiohttp.ClientSession`, a small exception
hierarchy (`errors`), typed models (`models`). Every command is bounded by `request_timeout`,
so an unreachable or hung Home Assistant never hangs a caller.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlparse, urlunparse

import aiohttp

from .errors import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
)
from .models import Area, EntityState, Floor

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[dict[str, Any]], None]


def websocket_url(url: str) -> str:
    """http(s)://host:8123[/] → ws(s)://host:8123/api/websocket (ws URLs are kept)."""
    parsed = urlparse(url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    if scheme not in ("ws", "wss") or not parsed.netloc:
        raise ValueError(f"expected http(s):// or ws(s):// URL, got {url!r}")
    path = parsed.path if parsed.path.endswith("/api/websocket") else "/api/websocket"
    return urlunparse((scheme, parsed.netloc, path, "", "", ""))


class HomeAssistantClient:
    """One authenticated websocket connection to Home Assistant."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 5.0,
    ) -> None:
        self.url = websocket_url(url)
        self._token = token
        self._session = session
        self._own_session = session is None
        self.request_timeout = request_timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._subscriptions: dict[int, EventCallback] = {}
        self._closed = asyncio.Event()
        self._closed.set()
        self.ha_version: str | None = None

    def __repr__(self) -> str:  # the token never appears in logs or reprs
        return f"HomeAssistantClient({self.url!r})"

    @property
    def connected(self) -> bool:
        """True while the websocket is open and authenticated."""
        return self._ws is not None and not self._ws.closed and not self._closed.is_set()

    async def wait_closed(self) -> None:
        """Return once the connection is gone (however it ended)."""
        await self._closed.wait()

    async def connect(self) -> None:
        """Open the websocket and authenticate; raises a HomeAssistantError subclass."""
        if self.connected:
            return
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(self.request_timeout):
                # HA gone mid-close must not hold a shutdown for aiohttp's default 10 s.
                ws = await self._session.ws_connect(
                    self.url,
                    heartbeat=30,
                    autoping=True,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                )
                try:
                    await self._authenticate(ws)
                except BaseException:
                    await ws.close()
                    raise
        except TimeoutError as err:
            raise HomeAssistantConnectionError(
                f"Home Assistant at {self.url} did not answer within {self.request_timeout} s"
            ) from err
        except aiohttp.ClientError as err:
            raise HomeAssistantConnectionError(f"cannot connect to {self.url}: {err}") from err
        self._ws = ws
        self._closed.clear()
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read_loop(ws), name="hass websocket reader")
        _LOGGER.info("Connected to Home Assistant %s at %s", self.ha_version, self.url)

    async def _authenticate(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            raise HomeAssistantConnectionError(f"unexpected greeting {hello.get('type')!r}")
        await ws.send_json({"type": "auth", "access_token": self._token})
        answer = await ws.receive_json()
        if answer.get("type") == "auth_invalid":
            raise HomeAssistantAuthError("Home Assistant rejected the access token")
        if answer.get("type") != "auth_ok":
            raise HomeAssistantConnectionError(f"unexpected auth answer {answer.get('type')!r}")
        self.ha_version = answer.get("ha_version")

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    _LOGGER.warning("Ignoring a non-JSON websocket message")
                    continue
                for item in payload if isinstance(payload, list) else [payload]:
                    self._dispatch(item)
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.info("Home Assistant connection lost: %s", err)
        finally:
            self._closed.set()
            error = HomeAssistantConnectionError("the connection to Home Assistant was lost")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            self._subscriptions.clear()
            _LOGGER.info("Disconnected from Home Assistant")

    def _dispatch(self, item: dict[str, Any]) -> None:
        msg_id = item.get("id")
        kind = item.get("type")
        if kind == "event" and msg_id in self._subscriptions:
            try:
                self._subscriptions[msg_id](item.get("event") or {})
            except Exception:  # one bad listener must not kill the connection
                _LOGGER.exception("Event listener failed")
            return
        future = self._pending.pop(msg_id, None) if isinstance(msg_id, int) else None
        if future is None or future.done():
            return
        if kind == "pong":
            future.set_result(None)
        elif item.get("success"):
            future.set_result(item.get("result"))
        else:
            error = item.get("error") or {}
            future.set_exception(
                HomeAssistantCommandError(
                    str(error.get("code", "unknown_error")), str(error.get("message", ""))
                )
            )

    async def close(self) -> None:
        """Close the websocket (and the session when we created it)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        self._closed.set()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> HomeAssistantClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- commands -----------------------------------------------------------------------------

    async def command(self, msg_type: str, **fields: Any) -> Any:
        """Send one command and return its result (bounded by request_timeout)."""
        ws = self._ws
        if ws is None or not self.connected:
            raise HomeAssistantConnectionError("not connected to Home Assistant")
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        try:
            async with asyncio.timeout(self.request_timeout):
                await ws.send_json({"id": msg_id, "type": msg_type, **fields})
                return await future
        except TimeoutError as err:
            raise HomeAssistantConnectionError(
                f"Home Assistant did not answer {msg_type} within {self.request_timeout} s"
            ) from err
        except (aiohttp.ClientError, ConnectionError) as err:
            raise HomeAssistantConnectionError(f"sending {msg_type} failed: {err}") from err
        finally:
            self._pending.pop(msg_id, None)

    async def subscribe_events(self, event_type: str, callback: EventCallback) -> int:
        """Call callback(event) for each event of this type; returns the subscription id."""
        ws = self._ws
        if ws is None or not self.connected:
            raise HomeAssistantConnectionError("not connected to Home Assistant")
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        self._subscriptions[msg_id] = callback
        try:
            async with asyncio.timeout(self.request_timeout):
                await ws.send_json(
                    {"id": msg_id, "type": "subscribe_events", "event_type": event_type}
                )
                await future
        except BaseException as err:
            self._subscriptions.pop(msg_id, None)
            if isinstance(err, TimeoutError):
                raise HomeAssistantConnectionError("subscribe_events timed out") from err
            raise
        finally:
            self._pending.pop(msg_id, None)
        return msg_id

    async def get_states(self) -> list[EntityState]:
        """All entity states."""
        result = await self.command("get_states")
        return [EntityState.from_dict(item) for item in _as_list(result)]

    async def call_service(
        self,
        domain: str,
        service: str,
        service_data: dict[str, Any] | None = None,
        target: dict[str, Any] | None = None,
    ) -> Any:
        """Call a service; HA's error result raises HomeAssistantCommandError."""
        fields: dict[str, Any] = {"domain": domain, "service": service}
        if service_data:
            fields["service_data"] = service_data
        if target:
            fields["target"] = target
        return await self.command("call_service", **fields)

    async def exposed_entity_ids(self, assistant: str = "conversation") -> set[str]:
        """Entity ids exposed to the assistant (`homeassistant/expose_entity/list`)."""
        result = await self.command("homeassistant/expose_entity/list")
        exposed = (result or {}).get("exposed_entities") or {}
        return {entity_id for entity_id, by in exposed.items() if (by or {}).get(assistant)}

    async def areas(self) -> list[Area]:
        """The area registry."""
        result = await self.command("config/area_registry/list")
        return [
            Area(
                area_id=str(item["area_id"]),
                name=str(item.get("name") or item["area_id"]),
                floor_id=item.get("floor_id"),
                aliases=tuple(str(alias) for alias in item.get("aliases") or ()),
            )
            for item in _as_list(result)
        ]

    async def floors(self) -> list[Floor]:
        """The floor registry (empty on Home Assistant versions without floors)."""
        try:
            result = await self.command("config/floor_registry/list")
        except HomeAssistantCommandError:
            return []
        return [
            Floor(
                floor_id=str(item["floor_id"]),
                name=str(item.get("name") or item["floor_id"]),
                aliases=tuple(str(alias) for alias in item.get("aliases") or ()),
            )
            for item in _as_list(result)
        ]

    async def device_areas(self) -> dict[str, str | None]:
        """Device id → area id, from the device registry."""
        result = await self.command("config/device_registry/list")
        return {str(item["id"]): item.get("area_id") for item in _as_list(result)}

    async def entity_registry(self) -> list[dict[str, Any]]:
        """The entity registry (without aliases)."""
        return _as_list(await self.command("config/entity_registry/list"))

    async def entity_entries(self, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Extended registry entries (with aliases) for these entities."""
        if not entity_ids:
            return {}
        result = await self.command("config/entity_registry/get_entries", entity_ids=entity_ids)
        if not isinstance(result, dict):
            raise HomeAssistantError("unexpected get_entries result")
        return {key: value for key, value in result.items() if isinstance(value, dict)}


def _as_list(result: Any) -> list[Any]:
    if not isinstance(result, list):
        raise HomeAssistantError(
            f"expected a list from Home Assistant, got {type(result).__name__}"
        )
    return result
