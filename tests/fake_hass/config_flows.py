"""Config entries and the `wyoming` config flow (user, zeroconf, reconfigure) of HA 2026.11.

As in HA 2026.11 the user step never answers `already_configured`: adding a host:port that
already has an entry creates a second entry (with `_2` entities). A zeroconf discovery is
aborted only when an entry with its unique id (`<zeroconf name>_<service name>`) exists.
Creating an entry describes the Wyoming service (a real TCP round trip, 2 s limit) and adds the
entities HA's wyoming integration would create from the `info`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wyoming.info import Info

from .config_entry import ConfigEntry, validate_user_input
from .errors import InvalidServiceData, NotFoundError
from .house import House
from .registry import RegistryEvents, new_ulid
from .wyoming_service import WYOMING, create_entities, describe_wyoming, service_name

_LOGGER = logging.getLogger(__name__)

Describer = Callable[[str, int], Awaitable[Info | None]]
EntryListener = Callable[[str, ConfigEntry], None]  # ("added" | "removed", entry)


@dataclass
class Flow:
    """A config flow in progress."""

    flow_id: str
    handler: str
    step_id: str
    context: dict[str, Any]
    host: str | None = None
    port: int | None = None
    info: Info | None = None

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

    def __init__(
        self,
        house: House,
        describe: Describer = describe_wyoming,
        events: RegistryEvents | None = None,
    ) -> None:
        """Create with no entries; `describe` fetches a service's info (replaceable)."""
        self.house = house
        self.describe = describe
        self.events = events or RegistryEvents()
        self.entries: dict[str, ConfigEntry] = {}
        self.flows: dict[str, Flow] = {}
        self.unreachable: set[tuple[str, int]] = set()
        self.entry_listeners: list[EntryListener] = []
        # False: an integration without a reconfigure step (HA then answers 400 to the flow).
        self.supports_reconfigure = True

    # Flows ----------------------------------------------------------------------

    def start_flow(self, handler: str, entry_id: str | None = None) -> dict[str, Any]:
        """Start a user flow (or, with `entry_id`, a reconfigure flow); returns its form."""
        if handler != WYOMING:
            raise NotFoundError("Invalid handler specified")
        if entry_id is None:
            context = {"source": "user", "show_advanced_options": False}
            flow = Flow(new_ulid(), handler, "user", context)
        else:
            entry = self.entries.get(entry_id)
            if entry is None or entry.domain != handler:
                raise NotFoundError("Invalid entry specified")
            if not self.supports_reconfigure:
                raise InvalidServiceData("Handler ConfigFlow doesn't support step reconfigure")
            context = {"source": "reconfigure", "entry_id": entry_id}
            flow = Flow(new_ulid(), handler, "reconfigure", context)
        self.flows[flow.flow_id] = flow
        return self._form(flow)

    async def add_discovered_flow(self, host: str, port: int, name: str) -> str | None:
        """A zeroconf discovery of `name` (the instance name) at host:port, as HA's zeroconf
        step handles it; returns the flow id, None when aborted (no service, configured)."""
        info = None if (host, port) in self.unreachable else await self.describe(host, port)
        title = service_name(info) if info is not None else None
        if info is None or title is None:
            return None
        unique_id = f"{name}._wyoming._tcp.local._{title}"
        if any(e.unique_id == unique_id for e in self.entries.values()):
            return None
        context = {
            "source": "zeroconf",
            "unique_id": unique_id,
            "title_placeholders": {"name": title},
        }
        flow = Flow(new_ulid(), WYOMING, "zeroconf_confirm", context, host, port, info)
        self.flows[flow.flow_id] = flow
        return flow.flow_id

    def progress(self) -> list[dict[str, Any]]:
        """Return the flows in progress that the user did not start (discoveries)."""
        return [
            f.progress_dict()
            for f in self.flows.values()
            if f.context["source"] not in ("user", "reconfigure")
        ]

    def current_step(self, flow_id: str) -> dict[str, Any]:
        """Return the form of a flow's current step."""
        return self._form(self._flow(flow_id))

    def abort_flow(self, flow_id: str) -> None:
        """Remove a flow in progress."""
        self.flows.pop(self._flow(flow_id).flow_id)

    async def submit(self, flow_id: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Submit a step; returns a form (with errors), `create_entry` or `abort`."""
        flow = self._flow(flow_id)
        if flow.step_id == "zeroconf_confirm":
            title = str(flow.context["title_placeholders"]["name"])
            data = {"host": flow.host, "port": flow.port}
            return self._create(flow, title, data, flow.info)
        host, port = validate_user_input(user_input)
        info = None if (host, port) in self.unreachable else await self.describe(host, port)
        if info is None:
            return self._form(flow, {"base": "cannot_connect"})
        if flow.step_id == "reconfigure":
            entry = self.entries[flow.context["entry_id"]]
            entry.data = {"host": host, "port": port}
            entry.info = info
            return self._abort(flow, "reconfigure_successful")
        name = service_name(info)
        if name is None:
            return self._abort(flow, "no_services")
        return self._create(flow, name, {"host": host, "port": port}, info)

    def _create(
        self, flow: Flow, title: str, data: dict[str, Any], info: Info | None
    ) -> dict[str, Any]:
        entry = self.add_entry(
            WYOMING, title, data, flow.context["source"], info, flow.context.get("unique_id")
        )
        del self.flows[flow.flow_id]
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

    def _form(self, flow: Flow, errors: dict[str, str] | None = None) -> dict[str, Any]:
        schema: list[dict[str, Any]] = []
        placeholders = None
        if flow.step_id in ("user", "reconfigure"):
            schema = [
                {"name": "host", "required": True, "type": "string"},
                {"name": "port", "required": True, "type": "integer"},
            ]
        if flow.step_id == "reconfigure":  # HA pre-fills the entry's data as suggestions
            data = self.entries[flow.context["entry_id"]].data
            for item in schema:
                item["description"] = {"suggested_value": data.get(item["name"])}
        if flow.step_id == "zeroconf_confirm":
            placeholders = dict(flow.context["title_placeholders"])
        return {
            "type": "form",
            "flow_id": flow.flow_id,
            "handler": flow.handler,
            "step_id": flow.step_id,
            "data_schema": schema,
            "errors": errors or {},
            "description_placeholders": placeholders,
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
        unique_id: str | None = None,
    ) -> ConfigEntry:
        """Add a loaded entry; a wyoming `info` also creates the integration's entities."""
        entry = ConfigEntry(new_ulid(), domain, title, source, dict(data), info, unique_id)
        self.entries[entry.entry_id] = entry
        if info is not None:
            entry.entity_ids = create_entities(self.house, entry.entry_id, info)
        for device in self._devices_of(entry.entry_id):
            self.events.fire("device_registry_updated", action="create", device_id=device)
        for entity_id in entry.entity_ids:
            self.events.fire("entity_registry_updated", action="create", entity_id=entity_id)
        _LOGGER.debug("Created %s entry %s with %s", domain, title, entry.entity_ids)
        self._notify("added", entry)
        return entry

    def remove_entry(self, entry_id: str) -> None:
        """Remove an entry with its entities and devices."""
        entry = self.entries.pop(entry_id, None)
        if entry is None:
            raise NotFoundError("Invalid entry specified")
        for entity_id in entry.entity_ids:
            self.house.remove_entity(entity_id)
            self.events.fire("entity_registry_updated", action="remove", entity_id=entity_id)
        for device_id in self._devices_of(entry_id):
            del self.house.devices[device_id]
            self.events.fire("device_registry_updated", action="remove", device_id=device_id)
        self._notify("removed", entry)

    def entries_at(self, host: str, port: int) -> list[ConfigEntry]:
        """Return the wyoming entries for host:port (HA 2026.11 may have several)."""
        return [
            e
            for e in self.entries.values()
            if e.domain == WYOMING and (e.data.get("host"), e.data.get("port")) == (host, port)
        ]

    def wyoming_address(self, entity_id: str) -> tuple[str, int] | None:
        """Host and port of the wyoming entry that made `entity_id`, None if none did."""
        for entry in self.entries.values():
            if entity_id in entry.entity_ids and entry.domain == WYOMING:
                return str(entry.data["host"]), int(entry.data["port"])
        return None

    def tts_languages(self, entity_id: str) -> list[str] | None:
        """Languages a wyoming `tts.*` entity lists (its voices'), None if not one of ours."""
        for entry in self.entries.values():
            if entity_id in entry.entity_ids and entry.info is not None:
                voices = [v for p in entry.info.tts if p.installed for v in p.voices]
                return sorted({lang for v in voices for lang in v.languages or []})
        return None

    def _devices_of(self, entry_id: str) -> list[str]:
        return [d.id for d in self.house.devices.values() if d.config_entry_id == entry_id]

    def _notify(self, change: str, entry: ConfigEntry) -> None:
        for listener in list(self.entry_listeners):
            try:
                listener(change, entry)
            except Exception:  # a broken listener must not break the config flow
                _LOGGER.exception("Config entry listener failed")
