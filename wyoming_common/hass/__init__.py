"""The one Home Assistant client: websocket + REST, typed queries, one error root.

    async with HomeAssistantClient("http://homeassistant.local:8123", token) as hass:
        states = await hass.get_states()
        result = await hass.handle_intent("HassTurnOn", {"name": "Kitchen Light"},
                                          assistant="conversation")

See /work/notes/hass_client.md (and the docstrings) for the whole surface.
"""

from .client import REGISTRIES, HomeAssistantClient, RegistryCallback
from .errors import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
    HomeAssistantResponseError,
    HomeAssistantTimeoutError,
)
from .flows import ConfigEntry, ConfigFlows, FlowResult
from .live import LiveConnection
from .models import (
    Area,
    ConversationResult,
    Device,
    EntityEntry,
    EntityState,
    Floor,
    IntentResult,
    IntentTarget,
    RegistryChange,
)
from .urls import rest_url, websocket_url
from .websocket import EventCallback, HomeAssistantWebSocket

__all__ = [
    "REGISTRIES",
    "Area",
    "ConfigEntry",
    "ConfigFlows",
    "ConversationResult",
    "Device",
    "EntityEntry",
    "EntityState",
    "EventCallback",
    "Floor",
    "FlowResult",
    "HomeAssistantAuthError",
    "HomeAssistantClient",
    "HomeAssistantCommandError",
    "HomeAssistantConnectionError",
    "HomeAssistantError",
    "HomeAssistantResponseError",
    "HomeAssistantTimeoutError",
    "HomeAssistantWebSocket",
    "IntentResult",
    "IntentTarget",
    "LiveConnection",
    "RegistryCallback",
    "RegistryChange",
    "rest_url",
    "websocket_url",
]
