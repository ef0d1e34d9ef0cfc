"""A live view of the home: exposed entities, their names and areas, and current states.

`Home` keeps one websocket connection up (reconnecting with backoff), loads the registries and
the exposure list, and follows `state_changed` events, so turns read names and states from
memory and only go to Home Assistant to act.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from wyoming_common.hass_ws import (
    HomeAssistantAuthError,
    HomeAssistantConnectionError,
    HomeAssistantError,
)

from .client import HomeAssistantClient
from .models import Area, EntityState, ExposedEntity, Floor

_LOGGER = logging.getLogger(__name__)

StatePredicate = Callable[[EntityState], bool]


class Home:
    """Exposed entities, areas, floors and live states, kept in sync with Home Assistant."""

    def __init__(
        self,
        client: HomeAssistantClient,
        *,
        backoff: tuple[float, float] = (1.0, 30.0),
        refresh_interval: float = 300.0,
    ) -> None:
        self.client = client
        self._backoff_min, self._backoff_max = backoff
        self._refresh_interval = refresh_interval
        self.entities: dict[str, ExposedEntity] = {}
        self.areas: dict[str, Area] = {}
        self.floors: dict[str, Floor] = {}
        self.states: dict[str, EntityState] = {}
        self.generation = 0  # bumps whenever names, areas or exposure change
        self._entity_places: dict[str, tuple[str | None, str | None]] = {}  # area, device
        self._device_areas: dict[str, str | None] = {}
        self._loaded = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting in the background (returns at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="home assistant connection")

    async def stop(self) -> None:
        """Stop reconnecting and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.client.close()

    @property
    def available(self) -> bool:
        """True when connected and the registries are loaded."""
        return self._loaded.is_set() and self.client.connected

    async def ensure_available(self, timeout: float) -> bool:
        """Wait up to timeout for a usable connection, retrying at once if one is pending."""
        if self.available:
            return True
        self._retry_now.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self.available:
                    await self._loaded.wait()
                    if not self.available:
                        await asyncio.sleep(0.05)
        return self.available

    async def _run(self) -> None:
        delay = self._backoff_min
        while True:
            try:
                await self.client.connect()
                await self.refresh()
                await self.client.subscribe_events("state_changed", self._on_state_changed)
                self._loaded.set()
                self.last_error = None
                delay = self._backoff_min
                await self._follow()
            except asyncio.CancelledError:
                raise
            except HomeAssistantAuthError as err:
                self.last_error = str(err)
                _LOGGER.error("%s; check --hass-token-file", err)
            except HomeAssistantError as err:
                self.last_error = str(err)
                _LOGGER.warning("Home Assistant unavailable: %s (retrying in %.0f s)", err, delay)
            except Exception as err:  # an unexpected payload must not end the reconnect loop
                self.last_error = str(err)
                _LOGGER.exception("Unexpected answer from Home Assistant; reconnecting")
            self._loaded.clear()
            await self.client.close()
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), delay)
            delay = min(self._backoff_max, delay * 2)

    async def _follow(self) -> None:
        """Wait for the connection to end, refreshing the registries now and then."""
        while True:
            try:
                await asyncio.wait_for(self.client.wait_closed(), self._refresh_interval)
                return
            except TimeoutError:
                await self.refresh()

    # -- loading ------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Reload registries, exposure and states."""
        client = self.client
        exposed = await client.exposed_entity_ids()
        states = {state.entity_id: state for state in await client.get_states()}
        areas = {area.area_id: area for area in await client.areas()}
        floors = {floor.floor_id: floor for floor in await client.floors()}
        self._device_areas = await client.device_areas()
        registry = await client.entity_registry()
        self._entity_places = {
            str(item["entity_id"]): (item.get("area_id"), item.get("device_id"))
            for item in registry
        }
        wanted = sorted(entity_id for entity_id in exposed if entity_id in states)
        entries = await client.entity_entries(wanted)
        entities = {
            entity_id: self._exposed_entity(states[entity_id], entries.get(entity_id) or {})
            for entity_id in wanted
        }
        if (entities, areas, floors) != (self.entities, self.areas, self.floors):
            self.generation += 1
        self.entities, self.areas, self.floors = entities, areas, floors
        self.states = {entity_id: states[entity_id] for entity_id in wanted}
        self._notify()
        _LOGGER.debug("Home loaded: %d exposed entities, %d areas", len(entities), len(areas))

    def _exposed_entity(self, state: EntityState, entry: dict[str, Any]) -> ExposedEntity:
        aliases = tuple(str(alias) for alias in entry.get("aliases") or () if alias)
        device_class = state.attributes.get("device_class") or entry.get("original_device_class")
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

    # -- queries ------------------------------------------------------------------------------

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
                await asyncio.wait_for(self._changed.wait(), remaining)
        # The event stream may lag or be gone: ask Home Assistant once before giving up.
        with contextlib.suppress(HomeAssistantConnectionError):
            for fresh in await self.client.get_states():
                if fresh.entity_id == entity_id:
                    self.states[entity_id] = fresh
                    return fresh
        return self.states.get(entity_id)
