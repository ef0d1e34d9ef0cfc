"""A home held in memory, for the pure tests of resolution, grounding and tools."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wyoming_common.hass import Area, EntityState, Floor
from wyoming_llm.hass.models import ExposedEntity


class StaticHome:
    """Exposed entities, areas, floors and states, as the agent's live view offers them."""

    def __init__(
        self,
        entities: Iterable[ExposedEntity],
        areas: Iterable[Area] = (),
        floors: Iterable[Floor] = (),
        states: dict[str, tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        self.entities = {e.entity_id: e for e in entities}
        self.areas = {a.area_id: a for a in areas}
        self.floors = {f.floor_id: f for f in floors}
        self.states = {
            entity_id: EntityState(entity_id, state, dict(attributes))
            for entity_id, (state, attributes) in (states or {}).items()
        }

    def state(self, entity_id: str) -> EntityState | None:
        """The state set for an entity."""
        return self.states.get(entity_id)
