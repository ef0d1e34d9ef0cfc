"""Errors of the provisioning itself; each message says what to do about it.

Talking to Home Assistant fails with `wyoming_common.hass.HomeAssistantError` (the one client's
error root); these are the provisioning's own: our services, and what HA refused to set up.
"""

from __future__ import annotations

from wyoming_common.errors import WyomingVoiceError


class ProvisioningError(WyomingVoiceError):
    """Root of the provisioning's own errors."""

    code = "provisioning-error"


class ServiceError(ProvisioningError):
    """One of our Wyoming services is missing, not answering, or not what it should be."""


class SetupError(ProvisioningError):
    """Home Assistant refused a step of the setup (config flow, pipeline, entity)."""
