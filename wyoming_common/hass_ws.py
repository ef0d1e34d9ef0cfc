"""Deprecated import path: everything here lives in `wyoming_common.hass`.

Kept only while `wyoming_llm` and `wyoming_stt` still import it; delete it when nothing does.
"""

from .hass.errors import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantError,
)
from .hass.urls import websocket_url
from .hass.websocket import MAX_MESSAGE_SIZE, EventCallback, HomeAssistantWebSocket

__all__ = [
    "MAX_MESSAGE_SIZE",
    "EventCallback",
    "HomeAssistantAuthError",
    "HomeAssistantCommandError",
    "HomeAssistantConnectionError",
    "HomeAssistantError",
    "HomeAssistantWebSocket",
    "websocket_url",
]
