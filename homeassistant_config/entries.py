"""Our Wyoming config entries: find the ones HA already has, create only what is missing.

Home Assistant 2026.11's Wyoming config flow never answers `already_configured`: adding a
host:port again makes a second entry (new `_2` entities, a second satellite connection). So
we read each Wyoming entry's host and port ourselves (the pre-filled form of a reconfigure flow,
which we then drop) and reuse the entry that matches.

Removing an entry deletes its devices and entities, so an entry is removed only when HA showed
its host:port and it equals the service's, and only when another entry for that address is
loaded and kept. An entry whose address HA does not show is never removed: when its title is
the service's it may be reused, and any further one is reported for the user to check by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from wyoming_common.hass import ConfigEntry, FlowResult, HomeAssistantClient

from .errors import SetupError
from .report import UNCHANGED, SetupReport
from .wyoming_services import WyomingService

_LOGGER = logging.getLogger(__name__)

WYOMING = "wyoming"
HOW_TO_REMOVE = "remove it under Settings → Devices & services → Wyoming Protocol → ⋮ → Delete"


@dataclass
class Matches:
    """The Wyoming entries that may be a service's, oldest first."""

    same_address: list[ConfigEntry] = field(default_factory=list)  # HA showed host:port
    same_title: list[ConfigEntry] = field(default_factory=list)  # address not shown


def is_loaded(entry: ConfigEntry) -> bool:
    """Whether the entry runs in HA (its entities work)."""
    return entry.state == "loaded" and not entry.disabled


def describe_entry(entry: ConfigEntry) -> str:
    """How the report names an entry."""
    state = "disabled" if entry.disabled else entry.state or "state unknown"
    return f"Wyoming entry {entry.title!r} (id {entry.entry_id}, {state})"


class WyomingEntries:
    """Finds, creates and de-duplicates the Wyoming entries of our services."""

    def __init__(self, client: HomeAssistantClient, report: SetupReport) -> None:
        self.client = client
        self.report = report
        self._known: list[tuple[ConfigEntry, tuple[str, int] | None]] | None = None

    async def _entries(self) -> list[tuple[ConfigEntry, tuple[str, int] | None]]:
        """Every Wyoming entry with its host:port (None when HA does not tell)."""
        if self._known is None:
            flows = self.client.config_flows
            self._known = []
            for entry in await flows.entries(WYOMING):
                settings = await flows.entry_settings(WYOMING, entry.entry_id) or {}
                host, port = settings.get("host"), settings.get("port")
                address = None
                if isinstance(host, str) and host and type(port) is int:
                    address = (host, port)
                self._known.append((entry, address))
        return self._known

    async def matches(self, service: WyomingService) -> Matches:
        """Entries for the service's host:port, and entries titled like it whose address HA
        does not show (several of each after HA 2026.11 runs)."""
        wanted = (service.host.casefold(), service.port)
        found = Matches()
        for entry, address in await self._entries():
            if address is not None:
                if (address[0].casefold(), address[1]) == wanted:
                    found.same_address.append(entry)
            elif entry.title == service.name:
                found.same_title.append(entry)
        return found

    async def ensure(self, service: WyomingService) -> str:
        """The entry id for the service: the existing entry, a confirmed discovery, or new."""
        subject = f"Wyoming entry {service.name} ({service.host}:{service.port})"
        found = await self.matches(service)
        if found.same_address:
            keep = await self._deduplicate(service, found.same_address)
            self._leave_alone(service, [e for e in found.same_title if e is not keep])
            self.report.add(subject, UNCHANGED)
            return keep.entry_id
        if found.same_title:
            loaded = [e for e in found.same_title if is_loaded(e)]
            keep = (loaded or found.same_title)[0]
            self.report.note(
                f"{describe_entry(keep)} is taken to be {service.name} at "
                f"{service.host}:{service.port} by its title alone: Home Assistant does not "
                "show its address"
            )
            self._leave_alone(service, [e for e in found.same_title if e is not keep])
            self.report.add(subject, UNCHANGED)
            return keep.entry_id
        discovery = await self._discovery(service)
        if discovery is not None:
            result = await self.client.config_flows.configure(discovery.flow_id, {})
            return self._created(result, service, subject, "confirmed discovery")
        return await self._create(service, subject)

    async def _deduplicate(self, service: WyomingService, same: list[ConfigEntry]) -> ConfigEntry:
        """Keep the oldest loaded entry and remove the other entries of the same host:port;
        when none is loaded, remove nothing (which one works is unknown) and report them."""
        loaded = [e for e in same if is_loaded(e)]
        if not loaded:
            if len(same) > 1:
                names = "; ".join(describe_entry(e) for e in same)
                self.report.note(
                    f"several Wyoming entries for {service.host}:{service.port} and none is "
                    f"loaded, so none was removed: {names}. Keep the one that works and "
                    f"{HOW_TO_REMOVE}"
                )
            return same[0]
        keep = loaded[0]
        for duplicate in same:
            if duplicate is keep:
                continue
            await self.client.config_flows.remove_entry(duplicate.entry_id)
            self._forget(duplicate)
            self.report.add(
                f"duplicate Wyoming entry {duplicate.title} ({duplicate.entry_id}) of "
                f"{service.host}:{service.port}",
                "removed",
            )
        return keep

    def _leave_alone(self, service: WyomingService, entries: list[ConfigEntry]) -> None:
        """Report entries that may duplicate the service but cannot be proven to."""
        for entry in entries:
            self.report.note(
                f"possible duplicate left alone: {describe_entry(entry)} has the title of "
                f"{service.name} but Home Assistant does not show its address; if it is "
                f"{service.host}:{service.port} too, {HOW_TO_REMOVE}"
            )

    def _forget(self, entry: ConfigEntry) -> None:
        if self._known is not None:
            self._known = [(e, a) for e, a in self._known if e.entry_id != entry.entry_id]

    async def _discovery(self, service: WyomingService) -> FlowResult | None:
        """A zeroconf discovery of this service waiting for a click, if any."""
        if not service.instance:
            return None
        prefix = f"{service.instance}._wyoming._tcp.local."
        for flow in await self.client.config_flows.in_progress(WYOMING):
            if str(flow.context.get("unique_id", "")).startswith(prefix):
                return flow
        return None

    async def _create(self, service: WyomingService, subject: str) -> str:
        flows = self.client.config_flows
        form = await flows.start(WYOMING)
        if form.type != "form":
            raise SetupError(f"Home Assistant did not start a Wyoming config flow ({form.type})")
        result = await flows.configure(form.flow_id, {"host": service.host, "port": service.port})
        if result.type == "form":
            await flows.abort(result.flow_id)  # leave no half-done flow behind
        return self._created(result, service, subject, "created")

    def _created(
        self, result: FlowResult, service: WyomingService, subject: str, outcome: str
    ) -> str:
        if result.type == "create_entry" and result.entry is not None:
            self.report.add(subject, outcome)
            if self._known is not None:
                address = (service.host, service.port)
                self._known.append((result.entry, address))
            return result.entry.entry_id
        if result.type == "form" and result.errors.get("base") == "cannot_connect":
            raise SetupError(
                f"Home Assistant cannot connect to {service.name} at {service.host}:"
                f"{service.port}. Home Assistant connects to that address itself: give a URI "
                "it can reach (the machine's LAN address, not 127.0.0.1 unless HA runs "
                "on the same host), and check the firewall"
            )
        reason = result.reason or result.errors or result.type
        raise SetupError(f"Home Assistant refused to add {service.uri}: {reason}")
