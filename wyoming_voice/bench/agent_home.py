"""A case file's home in the fake Home Assistant: build it, reset it before each sentence,
apply a test's setup, and take snapshots whose differences are the actions taken.

Snapshots hold every entity's state and attributes, the items of to-do lists (`items`,
`completed`) and one pseudo-entity per timer-capable device, `timers.<device id>` with
`state` (how many timers), `seconds` (time left, frozen during a run), `names`, `active`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.fake_hass import House
from tests.fake_hass.intent_state import TimerStore
from tests.fake_hass.registry import slugify
from tests.fake_hass.services import DEFAULT_FEATURES
from tests.fake_hass.todo import COMPLETED, NEEDS_ACTION, TodoItem

from .agent_cases import TIMERS_DOMAIN, Entity, Home, state_text

Snapshot = dict[str, dict[str, Any]]
SATELLITE_DOMAIN = "assist_satellite"
_TODO_KEYS = ("items", "completed")
# supported_features an entity reports when the case file does not say (HA always reports).
_FEATURES = {
    **DEFAULT_FEATURES,
    "fan": 49,  # SET_SPEED | TURN_OFF | TURN_ON
    "climate": 385,  # TARGET_TEMPERATURE | TURN_OFF | TURN_ON
    "media_player": 20925,  # PAUSE, VOLUME_SET/MUTE, PREVIOUS/NEXT, TURN_ON/OFF, STOP, PLAY
    "vacuum": 12860,  # START, PAUSE, STOP, RETURN_HOME, FAN_SPEED, LOCATE, STATE
}


@dataclass(frozen=True)
class BaselineEntity:
    """An entity's state in the pristine home."""

    state: str
    attributes: Mapping[str, Any]
    items: tuple[TodoItem, ...] = ()


def satellite_entity(device_id: str) -> str:
    """The assist_satellite entity HA creates for a satellite device."""
    return f"{SATELLITE_DOMAIN}.{slugify(device_id)}"


def build_house(home: Home) -> House:
    """A fake-HA house holding the home; timers run on a frozen clock."""
    house = House()
    house.intent_state.timers = TimerStore(clock=lambda: 0.0)
    for floor in home.floors:
        house.add_floor(floor.id, floor.name, floor.level).aliases = list(floor.aliases)
    for area in home.areas:
        house.add_area(area.id, area.name, area.floor, area.aliases)
    for device in home.devices:
        house.add_device(device.name, device.area, id=device.id, model="Wyoming satellite")
        if device.timers:
            house.intent_state.timers.devices.add(device.id)
        house.add_entity(
            satellite_entity(device.id),
            device.name,
            "idle",
            {"supported_features": 1},
            device_id=device.id,
            exposed=False,
            platform="wyoming",
        )
    for entity in home.entities:
        attributes = entity_attributes(entity)
        state = entity.state
        if entity.domain == "todo":
            items = [TodoItem(s) for s in entity.items]
            items += [TodoItem(s, COMPLETED) for s in entity.completed]
            house.todo.replace(entity.id, items)
            if entity.items or entity.completed:
                state = str(len(entity.items))
        house.add_entity(
            entity.id,
            entity.name,
            state,
            attributes,
            area_id=entity.area,
            device_id=entity.device,
            aliases=entity.aliases,
            exposed=entity.exposed,
        )
    return house


def entity_attributes(entity: Entity) -> dict[str, Any]:
    """The case file's attributes plus what HA would report anyway."""
    attrs = dict(entity.attributes)
    on = entity.state == "on"
    if entity.domain in _FEATURES:
        attrs.setdefault("supported_features", _FEATURES[entity.domain])
    elif entity.domain in ("cover", "valve"):
        positions = 4 if "current_position" in attrs else 0
        attrs.setdefault("supported_features", 11 | positions)  # OPEN | CLOSE | STOP
    if entity.domain == "light":
        modes = list(attrs.setdefault("supported_color_modes", ["onoff"]))
        attrs.setdefault("color_mode", modes[0] if on else None)
        if modes != ["onoff"]:
            attrs.setdefault("brightness", 255 if on else None)
    elif entity.domain == "fan":
        attrs.setdefault("percentage", 100 if on else 0)
    elif entity.domain == "climate":
        attrs.setdefault("hvac_modes", sorted({"off", "heat", entity.state}))
        attrs.setdefault("min_temp", 7)
        attrs.setdefault("max_temp", 35)
    return attrs


def baseline(house: House) -> dict[str, BaselineEntity]:
    """Remember the pristine home (call right after `build_house`)."""
    return {
        entity_id: BaselineEntity(
            state.state,
            dict(state.attributes),
            tuple(TodoItem(i.summary, i.status, i.uid) for i in house.todo.of(entity_id))
            if state.domain == "todo"
            else (),
        )
        for entity_id, state in house.states.items()
    }


def reset_house(house: House, pristine: Mapping[str, BaselineEntity]) -> None:
    """Put every state, list and timer back as they were (fires only real changes)."""
    for entity_id, entity in pristine.items():
        if entity_id.startswith("todo."):
            house.todo.replace(
                entity_id, [TodoItem(i.summary, i.status, i.uid) for i in entity.items]
            )
        house.set_state(entity_id, entity.state, dict(entity.attributes))
    house.intent_state.timers.clear()
    house.intent_state.last_paused.clear()


def apply_setup(house: House, setup: Mapping[str, Mapping[str, Any]]) -> None:
    """A test's `setup`: states, attributes, to-do items and timers to start from."""
    for entity_id, values in setup.items():
        if entity_id.startswith(f"{TIMERS_DOMAIN}."):
            _setup_timers(house, entity_id.split(".", 1)[1], values)
            continue
        attrs = {k: v for k, v in values.items() if k != "state" and k not in _TODO_KEYS}
        state = state_text(values["state"]) if "state" in values else None
        if any(key in values for key in _TODO_KEYS):
            items = [TodoItem(str(s)) for s in values.get("items", [])]
            items += [TodoItem(str(s), COMPLETED) for s in values.get("completed", [])]
            house.todo.replace(entity_id, items)
            state = state if state is not None else str(house.todo.open_count(entity_id))
        house.update_state(entity_id, state, attrs)


def _setup_timers(house: House, device_id: str, values: Mapping[str, Any]) -> None:
    store = house.intent_state.timers
    device = house.devices[device_id]
    area = house.areas.get(device.area_id or "")
    seconds = [int(s) for s in values.get("seconds", [])]
    names = list(values.get("names", [None] * len(seconds)))
    active = list(values.get("active", [True] * len(seconds)))
    for total, name, running in zip(seconds, names, active, strict=False):
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        timer = store.new_timer(
            device_id,
            total,
            name=name,
            start_hours=hours or None,
            start_minutes=minutes or None,
            start_seconds=secs or None,
            area_id=area.area_id if area else None,
            area_name=area.name.casefold() if area else None,
            floor_id=area.floor_id if area else None,
        )
        timer.is_active = bool(running)
        store.timers[timer.id] = timer


def snapshot(house: House) -> Snapshot:
    """Every observable value, as plain JSON-like data."""
    result: Snapshot = {}
    for entity_id, state in house.states.items():
        values: dict[str, Any] = {"state": state.state}
        values.update({k: _plain(v) for k, v in state.attributes.items() if k != "friendly_name"})
        if state.domain == "todo":
            items = house.todo.of(entity_id)
            values["items"] = [i.summary for i in items if i.status == NEEDS_ACTION]
            values["completed"] = [i.summary for i in items if i.status == COMPLETED]
        result[entity_id] = values
    store = house.intent_state.timers
    timers = store.active()
    for device_id in sorted(store.devices):
        mine = [t for t in timers if t.device_id == device_id]
        result[f"{TIMERS_DOMAIN}.{device_id}"] = {
            "state": str(len(mine)),
            "seconds": [t.seconds_left(store.clock()) for t in mine],
            "names": [t.name for t in mine],
            "active": [t.is_active for t in mine],
        }
    return result


def diff(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    """Entity → {key: new value} for every value that changed (None when it went away)."""
    changes: dict[str, dict[str, Any]] = {}
    for entity_id in dict.fromkeys([*before, *after]):
        old, new = before.get(entity_id, {}), after.get(entity_id, {})
        changed = {k: new.get(k) for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)}
        if changed:
            changes[entity_id] = changed
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
