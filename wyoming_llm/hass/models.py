"""Typed views of Home Assistant's registry and state payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EntityState:
    """One entity's state as `get_states` / `state_changed` report it."""

    entity_id: str
    state: str
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """The entity's domain (`light` for `light.kitchen`)."""
        return self.entity_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """Friendly name, or the object id when there is none."""
        return str(self.attributes.get("friendly_name") or self.entity_id.split(".", 1)[1])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityState:
        """Parse HA's `State.as_dict()` shape."""
        return cls(
            entity_id=str(data["entity_id"]),
            state=str(data.get("state", "unknown")),
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass(frozen=True)
class Floor:
    """A floor of the home."""

    floor_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """An area (room)."""

    area_id: str
    name: str
    floor_id: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExposedEntity:
    """An entity the user exposed to the assistant, with the names it may be called by."""

    entity_id: str
    name: str
    aliases: tuple[str, ...] = ()
    area_id: str | None = None
    device_class: str | None = None

    @property
    def domain(self) -> str:
        """The entity's domain."""
        return self.entity_id.split(".", 1)[0]

    @property
    def names(self) -> tuple[str, ...]:
        """The name first, then the aliases."""
        return (self.name, *self.aliases)
