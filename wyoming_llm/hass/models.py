"""The agent's view of an entity: exposed to Assist, with the names it may be called by.

States, areas and floors are `wyoming_common.hass`'s types."""

from __future__ import annotations

from dataclasses import dataclass


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
