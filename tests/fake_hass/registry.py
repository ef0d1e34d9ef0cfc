"""Registry records (floors, areas, devices, entities) serialised the way HA 2026.x does."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_LOGGER = logging.getLogger(__name__)

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    """Return a ULID-shaped id (26 Crockford base32 characters), as HA uses for ids."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def slugify(text: str) -> str:
    """Lower-case `text` and join its alphanumeric runs with `_`, like HA's slugify."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")
    return slug or "unknown"


@dataclass
class Floor:
    """A floor of the house."""

    floor_id: str
    name: str
    level: int | None = None
    aliases: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """Return the `config/floor_registry/list` item."""
        return {
            "aliases": list(self.aliases),
            "created_at": self.created_at,
            "floor_id": self.floor_id,
            "icon": None,
            "level": self.level,
            "modified_at": self.created_at,
            "name": self.name,
        }


@dataclass
class Area:
    """An area (room)."""

    area_id: str
    name: str
    floor_id: str | None = None
    aliases: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """Return the `config/area_registry/list` item."""
        return {
            "aliases": list(self.aliases),
            "area_id": self.area_id,
            "created_at": self.created_at,
            "floor_id": self.floor_id,
            "humidity_entity_id": None,
            "icon": None,
            "labels": [],
            "modified_at": self.created_at,
            "name": self.name,
            "picture": None,
            "temperature_entity_id": None,
        }


@dataclass
class Device:
    """A device; entities without their own area inherit the device's area."""

    id: str
    name: str
    area_id: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    config_entry_id: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """Return the `config/device_registry/list` item."""
        entries = [self.config_entry_id] if self.config_entry_id else []
        return {
            "area_id": self.area_id,
            "config_entries": entries,
            "config_entries_subentries": {entry: [None] for entry in entries},
            "configuration_url": None,
            "connections": [],
            "created_at": self.created_at,
            "disabled_by": None,
            "entry_type": None,
            "hw_version": None,
            "id": self.id,
            "identifiers": [list(pair) for pair in self.identifiers],
            "labels": [],
            "manufacturer": self.manufacturer,
            "model": self.model,
            "model_id": None,
            "modified_at": self.created_at,
            "name": self.name,
            "name_by_user": None,
            "primary_config_entry": self.config_entry_id,
            "serial_number": None,
            "sw_version": None,
            "via_device_id": None,
        }


@dataclass
class EntityEntry:
    """An entity registry entry; `area_id` None means "the device's area"."""

    entity_id: str
    original_name: str
    platform: str
    unique_id: str
    id: str = field(default_factory=lambda: secrets.token_hex(16))
    area_id: str | None = None
    device_id: str | None = None
    aliases: list[str] = field(default_factory=list)
    device_class: str | None = None
    config_entry_id: str | None = None
    entity_category: str | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def domain(self) -> str:
        """Return the entity's domain (`light` for `light.kitchen`)."""
        return self.entity_id.split(".", 1)[0]

    def as_partial_dict(self) -> dict[str, Any]:
        """Return the `config/entity_registry/list` item."""
        return {
            "area_id": self.area_id,
            "categories": {},
            "config_entry_id": self.config_entry_id,
            "config_subentry_id": None,
            "created_at": self.created_at,
            "device_id": self.device_id,
            "disabled_by": None,
            "entity_category": self.entity_category,
            "entity_id": self.entity_id,
            "has_entity_name": False,
            "hidden_by": None,
            "icon": None,
            "id": self.id,
            "labels": [],
            "modified_at": self.created_at,
            "name": None,
            "options": {},
            "original_name": self.original_name,
            "platform": self.platform,
            "translation_key": None,
            "unique_id": self.unique_id,
        }

    def as_extended_dict(self, *, exposed: bool) -> dict[str, Any]:
        """Return the `config/entity_registry/get_entries` item (adds aliases, options)."""
        result = self.as_partial_dict()
        result.update(
            {
                "aliases": list(self.aliases),
                "capabilities": None,
                "device_class": None,
                "original_device_class": self.device_class,
                "original_icon": None,
                "options": {"conversation": {"should_expose": exposed}},
            }
        )
        return result


RegistryListener = Callable[[dict[str, Any]], None]
REGISTRY_EVENTS = (
    "entity_registry_updated",
    "device_registry_updated",
    "area_registry_updated",
    "floor_registry_updated",
)


class RegistryEvents:
    """`<registry>_registry_updated` events, as HA fires them when a registry changes."""

    def __init__(self) -> None:
        """Start with no listeners."""
        self._listeners: list[tuple[str, RegistryListener]] = []

    def listen(self, event_type: str, listener: RegistryListener) -> Callable[[], None]:
        """Call `listener(event)` for each event of `event_type`; returns the remover."""
        item = (event_type, listener)
        self._listeners.append(item)

        def remove() -> None:
            if item in self._listeners:
                self._listeners.remove(item)

        return remove

    def fire(self, event_type: str, **data: Any) -> None:
        """Fire one event: `fire("entity_registry_updated", action="create", entity_id=x)`."""
        event = {
            "event_type": event_type,
            "data": data,
            "origin": "LOCAL",
            "time_fired": utcnow().isoformat(),
            "context": {"id": new_ulid(), "parent_id": None, "user_id": None},
        }
        for wanted, listener in list(self._listeners):
            if wanted == event_type:
                try:
                    listener(event)
                except Exception:  # a broken subscriber must not break the registry
                    _LOGGER.exception("Registry listener failed for %s", event_type)
