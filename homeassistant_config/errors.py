"""Errors of the Home Assistant provisioning; each message says what to do about it."""

from __future__ import annotations


class HomeAssistantError(Exception):
    """Root of the provisioning errors."""


class CannotConnectError(HomeAssistantError):
    """Home Assistant could not be reached, or stopped answering."""


class InvalidAuthError(HomeAssistantError):
    """Home Assistant rejected the access token."""


class CommandError(HomeAssistantError):
    """A WebSocket command failed; `code` is Home Assistant's error code."""

    def __init__(self, command: str, code: str, message: str) -> None:
        super().__init__(f"{command} failed: {message} ({code})")
        self.command = command
        self.code = code


class ServiceError(HomeAssistantError):
    """One of our Wyoming services is missing, not answering, or not what it should be."""


class SetupError(HomeAssistantError):
    """Home Assistant refused a step of the setup (config flow, pipeline, entity)."""
