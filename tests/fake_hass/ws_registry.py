"""HA's registry and exposure websocket commands (`config/*_registry/*`, `expose_entity`).

Changes fire `<registry>_registry_updated` events, as HA does, so clients can follow names,
aliases, areas and exposure without polling.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .errors import EntityNotFound, InvalidServiceData, NotFoundError

if TYPE_CHECKING:
    from .websocket import WebSocketSession

Message = dict[str, Any]
ASSISTANTS = ("conversation", "cloud.alexa", "cloud.google_assistant")


def field(msg: Message, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    """Read a command field, raising `invalid_format` like HA's voluptuous schemas."""
    if key not in msg:
        if default is ...:
            raise InvalidServiceData(f"required key not provided @ data['{key}']")
        return default
    value = msg[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidServiceData(f"invalid value for dictionary value @ data['{key}']")
    return value


async def area_list(session: WebSocketSession, msg: Message) -> list[dict[str, Any]]:
    """Return the area registry."""
    return [area.as_dict() for area in session.hass.house.areas.values()]


async def area_update(session: WebSocketSession, msg: Message) -> dict[str, Any]:
    """Rename an area or set its aliases; fires `area_registry_updated`."""
    area_id = field(msg, "area_id", str)
    area = session.hass.house.areas.get(area_id)
    if area is None:
        raise NotFoundError("Area ID doesn't exist")
    area.name = field(msg, "name", str, area.name)
    area.aliases = [str(a) for a in field(msg, "aliases", list, area.aliases)]
    session.hass.registry_events.fire("area_registry_updated", action="update", area_id=area_id)
    return area.as_dict()


async def floor_list(session: WebSocketSession, msg: Message) -> list[dict[str, Any]]:
    """Return the floor registry."""
    return [floor.as_dict() for floor in session.hass.house.floors.values()]


async def device_list(session: WebSocketSession, msg: Message) -> list[dict[str, Any]]:
    """Return the device registry."""
    return [device.as_dict() for device in session.hass.house.devices.values()]


async def entity_list(session: WebSocketSession, msg: Message) -> list[dict[str, Any]]:
    """Return the entity registry (without aliases, as in HA)."""
    return [entry.as_partial_dict() for entry in session.hass.house.entities.values()]


async def entity_get_entries(session: WebSocketSession, msg: Message) -> dict[str, Any]:
    """Return extended entries (with aliases) for ids; unknown ids map to None."""
    house = session.hass.house
    result: dict[str, Any] = {}
    for entity_id in field(msg, "entity_ids", list):
        entry = house.entities.get(entity_id)
        exposed = house.is_exposed(entity_id)
        result[entity_id] = entry.as_extended_dict(exposed=exposed) if entry else None
    return result


async def entity_get(session: WebSocketSession, msg: Message) -> dict[str, Any]:
    """Return one extended entry."""
    house = session.hass.house
    entity_id = field(msg, "entity_id", str)
    if entity_id not in house.entities:
        raise NotFoundError("Entity not found")
    return house.entities[entity_id].as_extended_dict(exposed=house.is_exposed(entity_id))


async def entity_update(session: WebSocketSession, msg: Message) -> dict[str, Any]:
    """Set an entity's aliases or area; fires `entity_registry_updated`."""
    house = session.hass.house
    entity_id = field(msg, "entity_id", str)
    entry = house.entities.get(entity_id)
    if entry is None:
        raise NotFoundError("Entity not found")
    changes: dict[str, Any] = {}
    if "aliases" in msg:
        changes["aliases"], entry.aliases = entry.aliases, [str(a) for a in msg["aliases"]]
    if "area_id" in msg:
        changes["area_id"], entry.area_id = entry.area_id, field(msg, "area_id", (str, type(None)))
    session.hass.registry_events.fire(
        "entity_registry_updated", action="update", entity_id=entity_id, changes=changes
    )
    return {"entity_entry": entry.as_extended_dict(exposed=house.is_exposed(entity_id))}


async def expose_list(session: WebSocketSession, msg: Message) -> dict[str, Any]:
    """Return which entities are exposed to `conversation`."""
    exposed = session.hass.house.exposed
    return {"exposed_entities": {e: {"conversation": v} for e, v in exposed.items()}}


async def expose_entity(session: WebSocketSession, msg: Message) -> None:
    """Expose or hide entities; only the `conversation` assistant is tracked. A registered
    entity keeps its exposure in its registry options, so HA fires `entity_registry_updated`."""
    assistants = field(msg, "assistants", list)
    entity_ids = field(msg, "entity_ids", list)
    should_expose = field(msg, "should_expose", bool)
    for assistant in assistants:
        if assistant not in ASSISTANTS:
            raise InvalidServiceData(
                f"value must be one of {list(ASSISTANTS)} @ data['assistants']"
            )
    if "conversation" not in assistants:
        return
    house = session.hass.house
    try:
        house.expose(entity_ids, should_expose)
    except EntityNotFound as err:
        raise NotFoundError(f"can't expose '{err.entity_id}'") from err
    for entity_id in entity_ids:
        if entity_id in house.entities:
            session.hass.registry_events.fire(
                "entity_registry_updated",
                action="update",
                entity_id=entity_id,
                changes={"options": {"conversation": {"should_expose": not should_expose}}},
            )


REGISTRY_COMMANDS: dict[str, Callable[[WebSocketSession, Message], Awaitable[Any]]] = {
    "config/area_registry/list": area_list,
    "config/area_registry/update": area_update,
    "config/floor_registry/list": floor_list,
    "config/device_registry/list": device_list,
    "config/entity_registry/list": entity_list,
    "config/entity_registry/get": entity_get,
    "config/entity_registry/get_entries": entity_get_entries,
    "config/entity_registry/update": entity_update,
    "homeassistant/expose_entity/list": expose_list,
    "homeassistant/expose_entity": expose_entity,
}
