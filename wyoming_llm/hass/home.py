"""A live view of the home: exposed entities, their names and areas, and current states.

`Home` keeps one websocket up through `wyoming_common.hass.LiveConnection`, loads the
registries and the exposure list on each connect, follows `state_changed` events and reloads
when a registry changes, so turns read names and states from memory and only go to Home
Assistant to act.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from wyoming_common.hass import (
    Area,
    EntityEntry,
    EntityState,
    Floor,
    HomeAssistantClient,
    HomeAssistantError,
    LiveConnection,
    RegistryChange,
)

from .models import ExposedEntity

_LOGGER = logging.getLogger(__name__)

StatePredicate = Callable[[EntityState], bool]
REFRESH_DELAY = 0.3  # registry changes come in bursts: reload once after the last one


class Home:
    """Exposed entities, areas, floors and live states, kept in sync with Home Assistant."""

    def __init__(
        self, client: HomeAssistantClient, *, backoff: tuple[float, float] = (1.0, 30.0)
    ) -> None:
        self.client = client
        self.live = LiveConnection(client, self._on_connect, backoff=backoff)
        self.entities: dict[str, ExposedEntity] = {}
        self.areas: dict[str, Area] = {}
        self.floors: dict[str, Floor] = {}
        self.states: dict[str, EntityState] = {}
        self.generation = 0  # bumps whenever names, areas or exposure change
        self._entity_places: dict[str, tuple[str | None, str | None]] = {}  # area, device
        self._device_areas: dict[str, str | None] = {}
        self._changed = asyncio.Event()
        self._refresh: asyncio.TimerHandle | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start connecting in the background (returns at once)."""
        await self.live.start()

    async def stop(self) -> None:
        """Stop reconnecting and close the connection."""
        if self._refresh is not None:
            self._refresh.cancel()
        if self._refreshing is not None:
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError, HomeAssistantError):
                await self._refreshing
        await self.live.stop()

    @property
    def available(self) -> bool:
        """True when connected and the registries are loaded."""
        return self.live.available

    @property
    def last_error(self) -> str | None:
        """Why the last connection attempt failed."""
        return self.live.last_error

    async def ensure_available(self, timeout: float) -> bool:
        """Wait up to timeout for a usable connection, retrying at once if one is pending."""
        return await self.live.wait_available(timeout)

    async def _on_connect(self, client: HomeAssistantClient) -> None:
        await self.refresh()
        await client.subscribe_events("state_changed", self._on_state_changed)
        await client.subscribe_registry_changes(self._on_registry_change)

    def _on_registry_change(self, change: RegistryChange) -> None:
        _LOGGER.debug("Registry change: %s %s", change.registry, change.action)
        loop = asyncio.get_running_loop()
        if self._refresh is not None:
            self._refresh.cancel()
        self._refresh = loop.call_later(REFRESH_DELAY, self._start_refresh)

    def _start_refresh(self) -> None:
        async def refresh() -> None:
            try:
                await self.refresh()
            except HomeAssistantError as err:
                _LOGGER.warning("Could not reload the registries: %s", err)

        self._refreshing = asyncio.create_task(refresh(), name="home refresh")

    async def refresh(self) -> None:
        """Reload registries, exposure and states."""
        client = self.client
        exposed = await client.exposed_entity_ids()
        states = {state.entity_id: state for state in await client.get_states()}
        areas = {area.area_id: area for area in await client.areas()}
        floors = {floor.floor_id: floor for floor in await client.floors()}
        self._device_areas = {d.device_id: d.area_id for d in await client.devices()}
        self._entity_places = {
            e.entity_id: (e.area_id, e.device_id) for e in await client.entity_registry()
        }
        wanted = sorted(entity_id for entity_id in exposed if entity_id in states)
        entries = await client.entity_entries(wanted)
        entities = {
            entity_id: self._exposed_entity(states[entity_id], entries.get(entity_id))
            for entity_id in wanted
        }
        if (entities, areas, floors) != (self.entities, self.areas, self.floors):
            self.generation += 1
        self.entities, self.areas, self.floors = entities, areas, floors
        self.states = {entity_id: states[entity_id] for entity_id in wanted}
        self._notify()
        _LOGGER.debug("Home loaded: %d exposed entities, %d areas", len(entities), len(areas))

    def _exposed_entity(self, state: EntityState, entry: EntityEntry | None) -> ExposedEntity:
        aliases = tuple(a for a in (entry.aliases or ()) if a) if entry is not None else ()
        device_class = state.attributes.get("device_class") or (
            entry.device_class if entry is not None else None
        )
        return ExposedEntity(
            entity_id=state.entity_id,
            name=state.name,
            aliases=aliases,
            area_id=self.area_of_entity(state.entity_id),
            device_class=str(device_class) if device_class else None,
        )

    def _on_state_changed(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        entity_id = data.get("entity_id")
        if entity_id not in self.entities:
            return
        new_state = data.get("new_state")
        if new_state is None:
            self.states.pop(entity_id, None)
        else:
            self.states[entity_id] = EntityState.from_dict(new_state)
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def area_of_entity(self, entity_id: str) -> str | None:
        """The entity's own area, else its device's area."""
        area_id, device_id = self._entity_places.get(entity_id, (None, None))
        if area_id:
            return area_id
        return self._device_areas.get(device_id or "") if device_id else None

    def area_of_device(self, device_id: str | None) -> str | None:
        """Area of a device id, or of a satellite given by its entity id."""
        if not device_id:
            return None
        if device_id in self._device_areas:
            return self._device_areas[device_id]
        if device_id in self._entity_places:
            return self.area_of_entity(device_id)
        return None

    def state(self, entity_id: str) -> EntityState | None:
        """Last known state of an exposed entity."""
        return self.states.get(entity_id)

    async def wait_for_state(
        self, entity_id: str, predicate: StatePredicate, timeout: float
    ) -> EntityState | None:
        """Wait until the entity's state satisfies predicate; returns the last state seen."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self.states.get(entity_id)
            if state is not None and predicate(state):
                return state
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()
        # The event stream may lag or be gone: ask Home Assistant once before giving up.
        with contextlib.suppress(HomeAssistantError):
            fresh = await self.client.get_state(entity_id)
            if fresh is not None:
                self.states[entity_id] = fresh
                return fresh
        return self.states.get(entity_id)
