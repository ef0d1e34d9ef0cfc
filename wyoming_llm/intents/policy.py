"""Which actions the agent may take: exposed entities only, allowlisted domains, and
sensitive devices (locks, alarms, cameras, garage doors, gates, gas valves) off unless
configured.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..hass.models import ExposedEntity

DEFAULT_ALLOWED_DOMAINS = (
    "light",
    "switch",
    "fan",
    "cover",
    "climate",
    "media_player",
    "script",
    "scene",
    "input_boolean",
    "humidifier",
    "vacuum",
    "valve",
    "todo",
    "lawn_mower",
    "button",
    "input_button",
)
SENSITIVE_DOMAINS = frozenset({"lock", "alarm_control_panel", "camera"})
SENSITIVE_CLASSES = {"cover": frozenset({"garage", "gate", "door"}), "valve": frozenset({"gas"})}


class SensitiveMode(enum.StrEnum):
    """What to do with actions on sensitive devices."""

    DENY = "deny"
    CONFIRM = "confirm"
    ALLOW = "allow"


class PolicyDecision(enum.StrEnum):
    """The policy's verdict on one action."""

    ALLOW = "allow"
    NOT_EXPOSED = "not-exposed"
    DOMAIN_NOT_ALLOWED = "domain-not-allowed"
    SENSITIVE_DENIED = "sensitive-denied"
    NEEDS_CONFIRMATION = "needs-confirmation"


def is_sensitive(entity: ExposedEntity) -> bool:
    """Locks, alarm panels, cameras, garage doors, gates, doors and gas valves."""
    if entity.domain in SENSITIVE_DOMAINS:
        return True
    return entity.device_class in SENSITIVE_CLASSES.get(entity.domain, frozenset())


@dataclass(frozen=True)
class ActionPolicy:
    """The rules every action passes before it reaches Home Assistant."""

    allowed_domains: frozenset[str] = frozenset(DEFAULT_ALLOWED_DOMAINS)
    sensitive: SensitiveMode = SensitiveMode.DENY

    def decide(self, entity: ExposedEntity | None, *, confirmed: bool = False) -> PolicyDecision:
        """Judge an action on entity (None: not an exposed entity)."""
        if entity is None:
            return PolicyDecision.NOT_EXPOSED
        if is_sensitive(entity):
            if self.sensitive is SensitiveMode.ALLOW:
                return PolicyDecision.ALLOW
            if self.sensitive is SensitiveMode.CONFIRM:
                return PolicyDecision.ALLOW if confirmed else PolicyDecision.NEEDS_CONFIRMATION
            return PolicyDecision.SENSITIVE_DENIED
        if entity.domain not in self.allowed_domains:
            return PolicyDecision.DOMAIN_NOT_ALLOWED
        return PolicyDecision.ALLOW
