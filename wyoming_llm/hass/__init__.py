"""Home Assistant access: a websocket client, typed models and a live view of the home."""

from wyoming_common.hass_ws import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
)

from .client import HomeAssistantClient
from .home import Home
from .models import Area, EntityState, ExposedEntity, Floor

__all__ = [
    "Area",
    "EntityState",
    "ExposedEntity",
    "Floor",
    "Home",
    "HomeAssistantAuthError",
    "HomeAssistantClient",
    "HomeAssistantCommandError",
    "HomeAssistantConnectionError",
    "HomeAssistantError",
]
