"""The home part of a case file (`home:`): floors, areas, devices, entities, and the YAML
checks shared with the test part. Errors name the file and the place in it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

_HOME_KEYS = {"areas", "floors", "devices", "entities"}


class CaseFormatError(ValueError):
    """A case file that does not follow the format; the message names the file and place."""


@dataclass(frozen=True)
class Floor:
    """A floor."""

    id: str
    name: str
    level: int | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """An area (room)."""

    id: str
    name: str
    floor: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    """A device; by default a satellite that can run timers."""

    id: str
    name: str
    area: str | None = None
    timers: bool = True


@dataclass(frozen=True)
class Entity:
    """An entity and its first state."""

    id: str
    name: str
    state: str
    area: str | None = None
    device: str | None = None
    aliases: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    exposed: bool = True
    items: tuple[str, ...] = ()  # to-do lists: open items
    completed: tuple[str, ...] = ()  # to-do lists: completed items

    @property
    def domain(self) -> str:
        """The entity's domain."""
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Home:
    """A whole home."""

    floors: tuple[Floor, ...]
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    entities: tuple[Entity, ...]


def state_text(value: Any) -> str:
    """A state as HA writes it: YAML's unquoted on/off (booleans) become "on"/"off"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unknown"
    return str(value)


def parse_home(data: dict[str, Any], where: str) -> Home:
    """Check and build the `home:` mapping."""
    return _home(data, where)


def as_mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CaseFormatError(f"{where}: expected a mapping, got {type(value).__name__}")
    return {str(key): item for key, item in value.items()}


def as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseFormatError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def as_text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if value is None or isinstance(value, dict | list):
        raise CaseFormatError(f"{where}: expected text")
    return str(value)


def as_texts(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(as_text(item, where)) for item in as_list(value, where))


def warn_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in sorted(set(data) - known):
        _LOGGER.warning("%s: unknown key %r ignored", where, key)


def _home(data: dict[str, Any], where: str) -> Home:
    warn_unknown(data, _HOME_KEYS, where)
    home = Home(
        _items(data, "floors", where, _floor),
        _items(data, "areas", where, _area),
        _items(data, "devices", where, _device),
        _items(data, "entities", where, _entity),
    )
    _check_references(home, where)
    return home


def _items(data: dict[str, Any], key: str, where: str, build: Any) -> tuple[Any, ...]:
    """Parse the list `data[key]` with `build(mapping, place)`."""
    return tuple(
        build(as_mapping(raw, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, raw in enumerate(as_list(data.get(key), f"{where}.{key}"))
    )


def _floor(item: dict[str, Any], where: str) -> Floor:
    aliases = as_texts(item.get("aliases"), f"{where}.aliases")
    return Floor(_need(item, "id", where), _need(item, "name", where), item.get("level"), aliases)


def _area(item: dict[str, Any], where: str) -> Area:
    floor = as_text(item.get("floor"), f"{where}.floor", optional=True)
    aliases = as_texts(item.get("aliases"), f"{where}.aliases")
    return Area(_need(item, "id", where), _need(item, "name", where), floor, aliases)


def _device(item: dict[str, Any], where: str) -> Device:
    area = as_text(item.get("area"), f"{where}.area", optional=True)
    timers = bool(item.get("timers", True))
    return Device(_need(item, "id", where), _need(item, "name", where), area, timers)


def _need(data: Mapping[str, Any], key: str, where: str) -> str:
    value = as_text(data.get(key), f"{where}.{key}", optional=True)
    if not value:
        raise CaseFormatError(f"{where}: '{key}' is required")
    return value


def _entity(data: dict[str, Any], where: str) -> Entity:
    entity_id = _need(data, "id", where)
    if "." not in entity_id:
        raise CaseFormatError(f"{where}: entity id {entity_id!r} is not domain.object_id")
    attributes = as_mapping(data.get("attributes"), f"{where}.attributes")
    if "device_class" in data:
        attributes.setdefault("device_class", data["device_class"])
    if "state" not in data:
        raise CaseFormatError(f"{where}: 'state' is required")
    return Entity(
        id=entity_id,
        name=_need(data, "name", where),
        state=state_text(data["state"]),
        area=as_text(data.get("area"), f"{where}.area", optional=True),
        device=as_text(data.get("device"), f"{where}.device", optional=True),
        aliases=as_texts(data.get("aliases"), f"{where}.aliases"),
        attributes=attributes,
        exposed=bool(data.get("exposed", True)),
        items=as_texts(data.get("items"), f"{where}.items"),
        completed=as_texts(data.get("completed"), f"{where}.completed"),
    )


def _check_references(home: Home, where: str) -> None:
    floors = {f.id for f in home.floors}
    areas = {a.id for a in home.areas}
    devices = {d.id for d in home.devices}
    for area in home.areas:
        if area.floor is not None and area.floor not in floors:
            raise CaseFormatError(f"{where}: area {area.id} is on unknown floor {area.floor}")
    for device in home.devices:
        if device.area is not None and device.area not in areas:
            raise CaseFormatError(f"{where}: device {device.id} is in unknown area {device.area}")
    seen: set[str] = set()
    for entity in home.entities:
        if entity.id in seen:
            raise CaseFormatError(f"{where}: entity {entity.id} is defined twice")
        seen.add(entity.id)
        if entity.area is not None and entity.area not in areas:
            raise CaseFormatError(f"{where}: entity {entity.id} is in unknown area {entity.area}")
        if entity.device is not None and entity.device not in devices:
            raise CaseFormatError(f"{where}: entity {entity.id} has unknown device {entity.device}")
