"""The agent's live view of Home Assistant (on `wyoming_common.hass`, the one client)."""

from .home import Home
from .models import ExposedEntity

__all__ = ["ExposedEntity", "Home"]
