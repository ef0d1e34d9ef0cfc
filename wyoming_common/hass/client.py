"""`HomeAssistantClient`: the one way to reach Home Assistant (websocket + REST), typed.

Shaped like frenck/python-elgato: an injectable `aiohttp.ClientSession` (else the client owns
one), one exception root (`HomeAssistantError`), typed models, and every call bounded by
`request_timeout`. The websocket connects on the first command that needs it (or `connect()`);
`LiveConnection` keeps it up for long-running services. The token never appears in reprs,
logs or error messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .assist import IntentsAndConversation
from .errors import HomeAssistantCommandError
from .flows import ConfigFlows
from .models import (
    Area,
    Device,
    EntityEntry,
    EntityState,
    Floor,
    RegistryChange,
    as_dict,
    as_list,
)
from .rest import rest_request
from .urls import rest_url
from .websocket import EventCallback, HomeAssistantWebSocket

if TYPE_CHECKING:
    import aiohttp

REGISTRIES = ("entity", "device", "area", "floor")
RegistryCallback = Callable[[RegistryChange], None]


class HomeAssistantClient(IntentsAndConversation):
    """Talks to one Home Assistant with a long-lived access token (intents and conversation:
    see assist.py)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 5.0,
    ) -> None:
        self.url = rest_url(url)  # ValueError for anything but http(s)/ws(s)://HOST
        self._token = token
        self._session = session
        self._own_session = session is None
        self._request_timeout = request_timeout
        self._ws: HomeAssistantWebSocket | None = None  # made with the session on connect
        self.config_flows = ConfigFlows(self)

    def __repr__(self) -> str:  # the token never appears in logs or reprs
        return f"{type(self).__name__}({self.url!r})"

    @property
    def request_timeout(self) -> float:
        """Seconds any one call may take."""
        return self._request_timeout

    @request_timeout.setter
    def request_timeout(self, seconds: float) -> None:
        self._request_timeout = seconds
        if self._ws is not None:
            self._ws.request_timeout = seconds

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session (created on first use when none was injected)."""
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession()
        return self._session

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the websocket is open and authenticated."""
        return self._ws is not None and self._ws.connected

    @property
    def ha_version(self) -> str | None:
        """Home Assistant's version, once the websocket has connected."""
        return self._ws.ha_version if self._ws is not None else None

    async def connect(self) -> None:
        """Open and authenticate the websocket (nothing when it is open already)."""
        await self._websocket().connect()

    def _websocket(self) -> HomeAssistantWebSocket:
        if self._ws is None:
            self._ws = HomeAssistantWebSocket(
                self.url, self._token, session=self.session, request_timeout=self._request_timeout
            )
        return self._ws

    async def wait_closed(self) -> None:
        """Return once the websocket is gone (however it ended)."""
        await self._websocket().wait_closed()

    async def disconnect(self) -> None:
        """Close the websocket but keep the session (a later command reconnects)."""
        if self._ws is not None:
            await self._ws.close()

    async def close(self) -> None:
        """Close the websocket and, when the client owns it, the session."""
        await self.disconnect()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> HomeAssistantClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- raw access ---------------------------------------------------------------------------

    async def command(self, msg_type: str, **fields: Any) -> Any:
        """One websocket command (connecting first if needed); returns its result."""
        await self.connect()
        return await self._websocket().command(msg_type, **fields)

    async def subscribe(self, msg_type: str, callback: EventCallback, **fields: Any) -> int:
        """A websocket command answered by events (see HomeAssistantWebSocket.subscribe)."""
        await self.connect()
        return await self._websocket().subscribe(msg_type, callback, **fields)

    async def subscribe_events(self, event_type: str, callback: EventCallback) -> int:
        """Call callback(event) for each event of this type; returns the subscription id."""
        return await self.subscribe("subscribe_events", callback, event_type=event_type)

    async def unsubscribe(self, subscription: int, *, tell_home_assistant: bool = True) -> None:
        """End a subscription."""
        if self._ws is not None:
            await self._ws.unsubscribe(subscription, tell_home_assistant=tell_home_assistant)

    async def send_bytes(self, data: bytes) -> None:
        """One binary websocket frame (pipeline audio)."""
        await self._websocket().send_bytes(data)

    async def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One REST request (`/api/...`); returns the decoded JSON answer."""
        return await rest_request(
            self.session,
            self.url,
            self._token,
            method=method,
            path=path,
            body=body,
            timeout=self._request_timeout,
        )

    async def check(self) -> str:
        """Check the URL and the token over REST; returns Home Assistant's version."""
        await self.rest("GET", "/api/")
        config = await self.rest("GET", "/api/config")
        return str(config.get("version", "unknown")) if isinstance(config, dict) else "unknown"

    # -- states and services ------------------------------------------------------------------

    async def get_states(self) -> list[EntityState]:
        """All entity states."""
        return [EntityState.from_dict(s) for s in as_list(await self.command("get_states"))]

    async def get_state(self, entity_id: str) -> EntityState | None:
        """One entity's state (REST), None when HA has no such entity."""
        try:
            answer = await self.rest("GET", f"/api/states/{entity_id}")
        except HomeAssistantCommandError as err:
            if err.status == 404:
                return None
            raise
        return EntityState.from_dict(as_dict(answer))

    async def call_service(
        self,
        domain: str,
        service: str,
        service_data: dict[str, Any] | None = None,
        target: dict[str, Any] | None = None,
    ) -> Any:
        """Call a service over the websocket; HA's error raises HomeAssistantCommandError."""
        await self.connect()
        return await self._websocket().call_service(domain, service, service_data, target)

    # -- exposure and registries --------------------------------------------------------------

    async def exposed_entity_ids(self, assistant: str = "conversation") -> set[str]:
        """Entity ids exposed to the assistant (`homeassistant/expose_entity/list`)."""
        result = as_dict(await self.command("homeassistant/expose_entity/list"))
        exposed = result.get("exposed_entities") or {}
        return {e for e, by in exposed.items() if isinstance(by, dict) and by.get(assistant)}

    async def expose_entities(
        self, entity_ids: Sequence[str], *, expose: bool = True, assistant: str = "conversation"
    ) -> None:
        """Expose (or hide) entities to an assistant."""
        await self.command(
            "homeassistant/expose_entity",
            assistants=[assistant],
            entity_ids=list(entity_ids),
            should_expose=expose,
        )

    async def areas(self) -> list[Area]:
        """The area registry."""
        return [Area.from_dict(a) for a in as_list(await self.command("config/area_registry/list"))]

    async def floors(self) -> list[Floor]:
        """The floor registry (empty on Home Assistant versions before floors, 2024.4)."""
        try:
            result = await self.command("config/floor_registry/list")
        except HomeAssistantCommandError as err:
            if err.error_code == "unknown_command":
                return []
            raise
        return [Floor.from_dict(f) for f in as_list(result)]

    async def devices(self) -> list[Device]:
        """The device registry."""
        result = await self.command("config/device_registry/list")
        return [Device.from_dict(d) for d in as_list(result)]

    async def entity_registry(self) -> list[EntityEntry]:
        """The entity registry (HA lists it without aliases)."""
        result = await self.command("config/entity_registry/list")
        return [EntityEntry.from_dict(e) for e in as_list(result)]

    async def entity_entries(self, entity_ids: Sequence[str]) -> dict[str, EntityEntry]:
        """Extended registry entries, with aliases; ids HA does not know are left out."""
        if not entity_ids:
            return {}
        result = as_dict(
            await self.command("config/entity_registry/get_entries", entity_ids=list(entity_ids))
        )
        return {k: EntityEntry.from_dict(v) for k, v in result.items() if isinstance(v, dict)}

    async def subscribe_registry_changes(self, callback: RegistryCallback) -> list[int]:
        """Call callback(change) whenever the entity, device, area or floor registry changes
        (names, aliases, areas, exposure of registered entities). Returns subscription ids."""
        ids = []
        for registry in REGISTRIES:
            ids.append(
                await self.subscribe_events(
                    f"{registry}_registry_updated", _registry_listener(registry, callback)
                )
            )
        return ids


def _registry_listener(registry: str, callback: RegistryCallback) -> EventCallback:
    def listener(event: dict[str, Any]) -> None:
        data = dict(event.get("data") or {})
        callback(RegistryChange(registry, str(data.pop("action", "update")), data))

    return listener
