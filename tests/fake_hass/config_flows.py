"""Config entries and the `wyoming` config flow (user and zeroconf), as HA's REST API shows them.

Creating an entry describes the Wyoming service (a real TCP round trip, 2 s limit) and adds
the entities HA's wyoming integration would create from the `info`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wyoming.info import Info

from .errors import InvalidServiceData, NotFoundError
from .house import House
from .registry import new_ulid
from .wyoming_service import WYOMING, create_entities, describe_wyoming, service_name

_LOGGER = logging.getLogger(__name__)

USER_SCHEMA = [
    {"name": "host", "required": True, "type": "string"},
    {"name": "port", "required": True, "type": "integer"},
]

Describer = Callable[[str, int], Awaitable[Info | None]]


@dataclass
class ConfigEntry:
    """A config entry; `data` holds host/port, `info` the described Wyoming info."""

    entry_id: str
    domain: str
    title: str
    source: str
    data: dict[str, Any]
    info: Info | None = None
    state: str = "loaded"
    entity_ids: list[str] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        """Return HA's `entry_json` shape (data is not part of it, as in HA)."""
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
            "supports_reconfigure": False,
            "supported_subentry_types": {},
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
            "disabled_by": None,
            "reason": None,
            "error_reason_translation_key": None,
            "error_reason_translation_placeholders": None,
            "num_subentries": 0,
        }


@dataclass
class Flow:
    """A config flow in progress."""

    flow_id: str
    handler: str
    step_id: str
    context: dict[str, Any]
    host: str | None = None
    port: int | None = None

    def progress_dict(self) -> dict[str, Any]:
        """Return the item HA lists for flows in progress."""
        return {
            "flow_id": self.flow_id,
            "handler": self.handler,
            "step_id": self.step_id,
            "context": dict(self.context),
        }


class ConfigFlows:
    """Config entries and flows of the fake; only the `wyoming` handler is known."""

    def __init__(self, house: House, describe: Describer = describe_wyoming) -> None:
        """Create with no entries; `describe` fetches a service's info (replaceable)."""
        self.house = house
        self.describe = describe
        self.entries: dict[str, ConfigEntry] = {}
        self.flows: dict[str, Flow] = {}
        self.unreachable: set[tuple[str, int]] = set()

    # Flows ----------------------------------------------------------------------

    def start_flow(self, handler: str) -> dict[str, Any]:
        """Start a user flow; returns its first form."""
        if handler != WYOMING:
            raise NotFoundError("Invalid handler specified")
        flow = Flow(new_ulid(), handler, "user", {"source": "user", "show_advanced_options": False})
        self.flows[flow.flow_id] = flow
        return self._form(flow)

    def add_discovered_flow(self, host: str, port: int, name: str) -> str | None:
        """Inject a zeroconf discovery; returns the flow id, None if already configured."""
        if self._configured(host, port):
            return None
        context = {
            "source": "zeroconf",
            "title_placeholders": {"name": name},
            "unique_id": f"{name}._wyoming._tcp.local.",
            "confirm_only": True,
            "name": name,
        }
        flow = Flow(new_ulid(), WYOMING, "zeroconf_confirm", context, host, port)
        self.flows[flow.flow_id] = flow
        return flow.flow_id

    def progress(self) -> list[dict[str, Any]]:
        """Return the flows in progress that the user did not start (discoveries)."""
        return [f.progress_dict() for f in self.flows.values() if f.context["source"] != "user"]

    def current_step(self, flow_id: str) -> dict[str, Any]:
        """Return the form of a flow's current step."""
        return self._form(self._flow(flow_id))

    def abort_flow(self, flow_id: str) -> None:
        """Remove a flow in progress."""
        self.flows.pop(self._flow(flow_id).flow_id)

    async def submit(self, flow_id: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Submit a step; returns a form (with errors), `create_entry` or `abort`."""
        flow = self._flow(flow_id)
        if flow.step_id == "user":
            host, port = _validate_user_input(user_input)
            title: str | None = None
        else:
            host, port, title = str(flow.host), int(flow.port or 0), flow.context["name"]
        if self._configured(host, port):
            return self._abort(flow, "already_configured")
        info = None if (host, port) in self.unreachable else await self.describe(host, port)
        if info is None:
            if flow.step_id == "user":
                return self._form(flow, {"base": "cannot_connect"})
            return self._abort(flow, "no_services")
        name = service_name(info)
        if name is None:
            return self._abort(flow, "no_services")
        entry = self.add_entry(
            WYOMING, title or name, {"host": host, "port": port}, flow.context["source"], info
        )
        del self.flows[flow.flow_id]
        for other in [f for f in self.flows.values() if (f.host, f.port) == (host, port)]:
            del self.flows[other.flow_id]
        return {
            "type": "create_entry",
            "flow_id": flow.flow_id,
            "handler": flow.handler,
            "title": entry.title,
            "description": None,
            "description_placeholders": None,
            "minor_version": 1,
            "options": {},
            "subentries": [],
            "version": 1,
            "result": entry.as_dict(),
        }

    def _flow(self, flow_id: str) -> Flow:
        if flow_id not in self.flows:
            raise NotFoundError("Invalid flow specified")
        return self.flows[flow_id]

    def _configured(self, host: str, port: int) -> bool:
        return any(
            e.domain == WYOMING and (e.data.get("host"), e.data.get("port")) == (host, port)
            for e in self.entries.values()
        )

    def _form(self, flow: Flow, errors: dict[str, str] | None = None) -> dict[str, Any]:
        user = flow.step_id == "user"
        return {
            "type": "form",
            "flow_id": flow.flow_id,
            "handler": flow.handler,
            "step_id": flow.step_id,
            "data_schema": USER_SCHEMA if user else [],
            "errors": errors or {},
            "description_placeholders": None if user else {"name": flow.context["name"]},
            "last_step": None,
            "preview": None,
        }

    def _abort(self, flow: Flow, reason: str) -> dict[str, Any]:
        self.flows.pop(flow.flow_id, None)
        return {
            "type": "abort",
            "flow_id": flow.flow_id,
            "handler": flow.handler,
            "reason": reason,
            "description_placeholders": None,
        }

    # Entries --------------------------------------------------------------------

    def add_entry(
        self,
        domain: str,
        title: str,
        data: Mapping[str, Any],
        source: str = "user",
        info: Info | None = None,
    ) -> ConfigEntry:
        """Add a loaded entry; a wyoming `info` also creates the integration's entities."""
        entry = ConfigEntry(new_ulid(), domain, title, source, dict(data), info)
        self.entries[entry.entry_id] = entry
        if info is not None:
            entry.entity_ids = create_entities(self.house, entry.entry_id, info)
        _LOGGER.debug("Created %s entry %s with %s", domain, title, entry.entity_ids)
        return entry

    def remove_entry(self, entry_id: str) -> None:
        """Remove an entry with its entities and devices."""
        entry = self.entries.pop(entry_id, None)
        if entry is None:
            raise NotFoundError("Invalid entry specified")
        for entity_id in entry.entity_ids:
            self.house.remove_entity(entity_id)
        for device_id in [d.id for d in self.house.devices.values()]:
            if self.house.devices[device_id].config_entry_id == entry_id:
                del self.house.devices[device_id]


def _validate_user_input(user_input: Mapping[str, Any]) -> tuple[str, int]:
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
