"""The fake home's pure state: registries, entity states, exposure and recorded service calls.

No networking here. The server turns this model into HA's websocket and REST shapes;
tests poke it directly (`house.set_state(...)`, `house.fail_service(...)`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import services
from .errors import EntityNotFound, HouseError
from .intent_state import IntentState
from .registry import Area, Device, EntityEntry, Floor, new_ulid, utcnow
from .service_calls import ServiceCall, run_service
from .todo import TodoLists

__all__ = ["Context", "House", "ServiceCall", "State", "StateChangedEvent"]

_LOGGER = logging.getLogger(__name__)

TARGET_KEYS = ("entity_id", "area_id", "device_id")


@dataclass(frozen=True)
class Context:
    """The context of a state change, as HA attaches to states and events."""

    id: str = field(default_factory=new_ulid)
    parent_id: str | None = None
    user_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return HA's JSON shape of a context."""
        return {"id": self.id, "parent_id": self.parent_id, "user_id": self.user_id}


@dataclass(frozen=True)
class State:
    """One entity state; treat `attributes` as read-only."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    last_changed: datetime
    last_updated: datetime
    context: Context

    @property
    def domain(self) -> str:
        """Return the entity's domain."""
        return self.entity_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """Return the friendly name, or the object id when there is none."""
        return str(self.attributes.get("friendly_name") or self.entity_id.split(".", 1)[1])

    def as_dict(self) -> dict[str, Any]:
        """Return the state as HA's `State.as_dict()` (used by REST and websocket)."""
        return {
            "entity_id": self.entity_id,
            "state": self.state,
            "attributes": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in self.attributes.items()
            },
            "last_changed": self.last_changed.isoformat(),
            "last_reported": self.last_updated.isoformat(),
            "last_updated": self.last_updated.isoformat(),
            "context": self.context.as_dict(),
        }


@dataclass(frozen=True)
class StateChangedEvent:
    """A `state_changed` event; `new_state` is None when the entity was removed."""

    entity_id: str
    old_state: State | None
    new_state: State | None
    time_fired: datetime
    context: Context

    def as_dict(self) -> dict[str, Any]:
        """Return the `event` object of a websocket event message."""
        return {
            "event_type": "state_changed",
            "data": {
                "entity_id": self.entity_id,
                "old_state": self.old_state.as_dict() if self.old_state else None,
                "new_state": self.new_state.as_dict() if self.new_state else None,
            },
            "origin": "LOCAL",
            "time_fired": self.time_fired.isoformat(),
            "context": self.context.as_dict(),
        }


StateListener = Callable[[StateChangedEvent], None]


class House:
    """Registries, states and exposure of a fake home, plus the service calls made to it."""

    def __init__(self) -> None:
        """Create an empty house; see `default_house.build_default_house` for the demo home."""
        self.floors: dict[str, Floor] = {}
        self.areas: dict[str, Area] = {}
        self.devices: dict[str, Device] = {}
        self.entities: dict[str, EntityEntry] = {}
        self.states: dict[str, State] = {}
        self.exposed: dict[str, bool] = {}
        self.service_calls: list[ServiceCall] = []
        self.todo = TodoLists()
        self.intent_state = IntentState()
        self._failures: dict[tuple[str, str], str] = {}
        self._listeners: list[StateListener] = []

    # Registries -----------------------------------------------------------------

    def add_floor(self, floor_id: str, name: str, level: int | None = None) -> Floor:
        """Add a floor."""
        floor = self.floors[floor_id] = Floor(floor_id, name, level)
        return floor

    def add_area(
        self, area_id: str, name: str, floor_id: str | None = None, aliases: Iterable[str] = ()
    ) -> Area:
        """Add an area on a floor."""
        area = self.areas[area_id] = Area(area_id, name, floor_id, list(aliases))
        return area

    def add_device(self, name: str, area_id: str | None = None, **kwargs: Any) -> Device:
        """Add a device; `kwargs` are further `Device` fields (model, config_entry_id...)."""
        device = Device(id=kwargs.pop("id", None) or new_ulid().lower(), name=name, area_id=area_id)
        for key, value in kwargs.items():
            setattr(device, key, value)
        self.devices[device.id] = device
        return device

    def add_entity(
        self,
        entity_id: str,
        name: str,
        state: str,
        attributes: Mapping[str, Any] | None = None,
        *,
        area_id: str | None = None,
        device_id: str | None = None,
        aliases: Iterable[str] = (),
        device_class: str | None = None,
        exposed: bool = True,
        platform: str = "demo",
        config_entry_id: str | None = None,
        entity_category: str | None = None,
    ) -> State:
        """Register an entity and set its first state (fires `state_changed`)."""
        self.entities[entity_id] = EntityEntry(
            entity_id=entity_id,
            original_name=name,
            platform=platform,
            unique_id=f"{platform}-{entity_id}",
            area_id=area_id,
            device_id=device_id,
            aliases=list(aliases),
            device_class=device_class,
            config_entry_id=config_entry_id,
            entity_category=entity_category,
        )
        self.exposed[entity_id] = exposed
        attrs: dict[str, Any] = dict(attributes or {})
        if device_class is not None:
            attrs.setdefault("device_class", device_class)
        attrs["friendly_name"] = name
        return self.set_state(entity_id, state, attrs)

    def remove_entity(self, entity_id: str) -> None:
        """Remove an entity from the registry and the state machine."""
        self.entities.pop(entity_id, None)
        self.exposed.pop(entity_id, None)
        old = self.states.pop(entity_id, None)
        if old is not None:
            self._fire(StateChangedEvent(entity_id, old, None, utcnow(), Context()))

    def area_of(self, entity_id: str) -> str | None:
        """Return the entity's area id: its own, else its device's."""
        entry = self.entities.get(entity_id)
        if entry is None:
            return None
        if entry.area_id is not None:
            return entry.area_id
        device = self.devices.get(entry.device_id or "")
        return device.area_id if device else None

    # States ---------------------------------------------------------------------

    def get_state(self, entity_id: str) -> State | None:
        """Return the entity's state, or None."""
        return self.states.get(entity_id)

    def set_state(
        self,
        entity_id: str,
        state: str,
        attributes: Mapping[str, Any] | None = None,
        context: Context | None = None,
    ) -> State:
        """Write a state; `attributes` None keeps the current ones. Fires on change only."""
        old = self.states.get(entity_id)
        attrs = dict(attributes if attributes is not None else old.attributes if old else {})
        if old is not None and old.state == state and old.attributes == attrs:
            return old
        now = utcnow()
        changed = now if old is None or old.state != state else old.last_changed
        context = context or Context()
        new = State(entity_id, state, attrs, changed, now, context)
        self.states[entity_id] = new
        self._fire(StateChangedEvent(entity_id, old, new, now, context))
        return new

    def update_state(
        self,
        entity_id: str,
        state: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        context: Context | None = None,
    ) -> State:
        """Change the state and/or merge attributes of an existing entity."""
        old = self.states.get(entity_id)
        if old is None:
            raise EntityNotFound(entity_id)
        attrs = {**old.attributes, **(attributes or {})}
        return self.set_state(entity_id, old.state if state is None else state, attrs, context)

    def add_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener` on every state change; returns a function that removes it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _fire(self, event: StateChangedEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken subscriber must not break the house
                _LOGGER.exception("State listener failed for %s", event.entity_id)

    # Exposure -------------------------------------------------------------------

    def is_exposed(self, entity_id: str) -> bool:
        """Return whether the entity is exposed to the `conversation` assistant."""
        return self.exposed.get(entity_id, False)

    def expose(self, entity_ids: Iterable[str], should_expose: bool) -> None:
        """Expose (or hide) entities to `conversation`."""
        for entity_id in entity_ids:
            if entity_id not in self.states:
                raise EntityNotFound(entity_id)
            self.exposed[entity_id] = should_expose

    # Services -------------------------------------------------------------------

    def fail_service(self, domain: str, service: str, message: str | None = None) -> None:
        """Make every later call of `domain.service` fail with `home_assistant_error`."""
        self._failures[(domain, service)] = message or f"Injected failure of {domain}.{service}"

    def clear_failures(self) -> None:
        """Undo all `fail_service` calls."""
        self._failures.clear()

    def has_service(self, domain: str, service: str) -> bool:
        """Return whether `domain.service` exists in this house."""
        return services.has_service(self, domain, service)

    def call_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        target: Mapping[str, Any] | None = None,
        *,
        return_response: bool = False,
        context: Context | None = None,
    ) -> list[State]:
        """Run a service, record it, and return the states it changed (raises `HouseError`)."""
        service_data = dict(data or {})
        merged_target = dict(target or {})
        for key in TARGET_KEYS:
            if key in service_data:
                merged_target.setdefault(key, service_data.pop(key))
        call = ServiceCall(domain, service, service_data, return_response=return_response)
        self.service_calls.append(call)
        changed: list[State] = []
        remove = self.add_listener(
            lambda event: changed.append(event.new_state) if event.new_state else None
        )
        try:
            run_service(self, call, merged_target, context or Context())
        except HouseError as err:
            call.error = err.code
            _LOGGER.debug("Service %s.%s failed: %s", domain, service, err)
            raise
        finally:
            remove()
        return changed

    def failure_of(self, domain: str, service: str) -> str | None:
        """Return the injected failure message of `domain.service`, if any."""
        return self._failures.get((domain, service))
