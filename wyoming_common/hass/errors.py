"""The one exception hierarchy for talking to Home Assistant (websocket and REST).

`HomeAssistantError` is the root; it is a `WyomingVoiceError`, so a service handler that
catches those turns any of these into a Wyoming `error` event with the class's `code`.
"""

from __future__ import annotations

from wyoming_common.errors import WyomingVoiceError


class HomeAssistantError(WyomingVoiceError):
    """Root of everything that can go wrong talking to Home Assistant."""

    code = "home-assistant-error"


class HomeAssistantConnectionError(HomeAssistantError):
    """Home Assistant cannot be reached, or the connection was lost."""

    code = "home-assistant-unavailable"


class HomeAssistantTimeoutError(HomeAssistantConnectionError):
    """Home Assistant accepted the connection but did not answer in time (frozen, overloaded)."""


class HomeAssistantAuthError(HomeAssistantError):
    """Home Assistant rejected the access token."""

    code = "home-assistant-auth"


class HomeAssistantCommandError(HomeAssistantError):
    """Home Assistant answered a request with an error.

    `error_code` and `message` are Home Assistant's (websocket `error.code`, or `http_<status>`
    for a REST answer, then `status` is the HTTP status); `code` stays the Wyoming error code.
    """

    code = "home-assistant-command"

    def __init__(self, error_code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.status = status


class HomeAssistantResponseError(HomeAssistantError):
    """Home Assistant answered with something we cannot read (not JSON, unexpected shape)."""

    code = "home-assistant-response"
