"""A config entry as the fake stores it, and the Wyoming user step's input check."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wyoming.info import Info

from .errors import InvalidServiceData
from .wyoming_service import WYOMING


@dataclass
class ConfigEntry:
    """A config entry; `data` holds host/port, `info` the described Wyoming info."""

    entry_id: str
    domain: str
    title: str
    source: str
    data: dict[str, Any]
    info: Info | None = None
    unique_id: str | None = None
    state: str = "loaded"
    disabled_by: str | None = None  # "user" when disabled (then state is "not_loaded")
    entity_ids: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """Return HA's `entry_json` shape (neither data nor unique id are part of it)."""
        return {
            "created_at": self.created_at,
            "entry_id": self.entry_id,
            "domain": self.domain,
            "modified_at": self.created_at,
            "title": self.title,
            "source": self.source,
            "state": self.state,
            "supports_options": False,
            "supports_remove_device": False,
            "supports_unload": True,
            "supports_reconfigure": self.domain == WYOMING,
            "supported_subentry_types": {},
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
            "disabled_by": self.disabled_by,
            "reason": None,
            "error_reason_translation_key": None,
            "error_reason_translation_placeholders": None,
            "num_subentries": 0,
        }


def validate_user_input(user_input: Mapping[str, Any]) -> tuple[str, int]:
    """Host and port of a user step, checked like HA's voluptuous schema."""
    for key in ("host", "port"):
        if key not in user_input:
            raise InvalidServiceData(
                f"User input malformed: required key not provided @ data['{key}']"
            )
    host, port = user_input["host"], user_input["port"]
    if not isinstance(host, str):
        raise InvalidServiceData(
            "User input malformed: expected str for dictionary value @ data['host']"
        )
    if isinstance(port, bool) or not isinstance(port, int):
        raise InvalidServiceData(
            "User input malformed: expected int for dictionary value @ data['port']"
        )
    return host, port
