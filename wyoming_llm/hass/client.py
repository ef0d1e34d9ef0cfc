"""The agent's Home Assistant client: the shared websocket connection plus typed queries.

The protocol (auth, numbered commands, events, timeouts) lives in `wyoming_common.hass_ws`;
this adds the registry and state queries the live `Home` view needs, as typed models.
"""

from __future__ import annotations

from typing import Any

from wyoming_common.hass_ws import (
    HomeAssistantCommandError,
    HomeAssistantError,
    HomeAssistantWebSocket,
)

from .models import Area, EntityState, Floor


class HomeAssistantClient(HomeAssistantWebSocket):
    """One authenticated websocket connection to Home Assistant, with typed queries."""

    async def get_states(self) -> list[EntityState]:
        """All entity states."""
        result = await self.command("get_states")
        return [EntityState.from_dict(item) for item in _as_list(result)]

    async def exposed_entity_ids(self, assistant: str = "conversation") -> set[str]:
        """Entity ids exposed to the assistant (`homeassistant/expose_entity/list`)."""
        result = await self.command("homeassistant/expose_entity/list")
        exposed = (result or {}).get("exposed_entities") or {}
        return {entity_id for entity_id, by in exposed.items() if (by or {}).get(assistant)}

    async def areas(self) -> list[Area]:
        """The area registry."""
        result = await self.command("config/area_registry/list")
        return [
            Area(
                area_id=str(item["area_id"]),
                name=str(item.get("name") or item["area_id"]),
                floor_id=item.get("floor_id"),
                aliases=tuple(str(alias) for alias in item.get("aliases") or ()),
            )
            for item in _as_list(result)
        ]

    async def floors(self) -> list[Floor]:
        """The floor registry (empty on Home Assistant versions without floors)."""
        try:
            result = await self.command("config/floor_registry/list")
        except HomeAssistantCommandError:
            return []
        return [
            Floor(
                floor_id=str(item["floor_id"]),
                name=str(item.get("name") or item["floor_id"]),
                aliases=tuple(str(alias) for alias in item.get("aliases") or ()),
            )
            for item in _as_list(result)
        ]

    async def device_areas(self) -> dict[str, str | None]:
        """Device id → area id, from the device registry."""
        result = await self.command("config/device_registry/list")
        return {str(item["id"]): item.get("area_id") for item in _as_list(result)}

    async def entity_registry(self) -> list[dict[str, Any]]:
        """The entity registry (without aliases)."""
        return _as_list(await self.command("config/entity_registry/list"))

    async def entity_entries(self, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Extended registry entries (with aliases) for these entities."""
        if not entity_ids:
            return {}
        result = await self.command("config/entity_registry/get_entries", entity_ids=entity_ids)
        if not isinstance(result, dict):
            raise HomeAssistantError("unexpected get_entries result")
        return {key: value for key, value in result.items() if isinstance(value, dict)}


def _as_list(result: Any) -> list[Any]:
    if not isinstance(result, list):
        raise HomeAssistantError(
            f"expected a list from Home Assistant, got {type(result).__name__}"
        )
    return result
