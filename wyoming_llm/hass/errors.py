"""The Home Assistant client's exception hierarchy."""

from __future__ import annotations

from wyoming_common.errors import WyomingVoiceError


class HomeAssistantError(WyomingVoiceError):
    """Root of everything that can go wrong talking to Home Assistant."""

    code = "home-assistant-error"


class HomeAssistantConnectionError(HomeAssistantError):
    """Home Assistant cannot be reached, or did not answer in time."""

    code = "home-assistant-unavailable"


class HomeAssistantAuthError(HomeAssistantError):
    """Home Assistant rejected the access token."""

    code = "home-assistant-auth"


class HomeAssistantCommandError(HomeAssistantError):
    """Home Assistant answered a command with an error result."""

    code = "home-assistant-command"

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
