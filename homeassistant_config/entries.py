"""Our Wyoming config entries: find the ones HA already has, create only what is missing.

Home Assistant 2026.11's Wyoming config flow never answers `already_configured`: adding a
host:port again makes a second entry (new `_2` entities, a second satellite connection). So
we read each Wyoming entry's host and port ourselves (the pre-filled form of a reconfigure flow,
which we then drop) and reuse the entry that matches. Duplicates of one host:port left by
earlier runs are removed, keeping the oldest (the one whose entities carry the plain names).
"""

from __future__ import annotations

import logging

from wyoming_common.hass import ConfigEntry, FlowResult, HomeAssistantClient

from .errors import SetupError
from .report import UNCHANGED, SetupReport
from .wyoming_services import WyomingService

_LOGGER = logging.getLogger(__name__)

WYOMING = "wyoming"


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
                address = (str(host), int(port)) if host and isinstance(port, int) else None
                self._known.append((entry, address))
        return self._known

    async def existing(self, service: WyomingService) -> list[ConfigEntry]:
        """Entries for the service's host:port, oldest first (several after HA 2026.11 runs).
        Where HA does not show an entry's address, an entry titled like the service counts."""
        wanted = (service.host.casefold(), service.port)
        found = []
        for entry, address in await self._entries():
            if address is not None:
                if (address[0].casefold(), address[1]) == wanted:
                    found.append(entry)
            elif entry.title == service.name:
                found.append(entry)
        return found

    async def ensure(self, service: WyomingService) -> str:
        """The entry id for the service: the existing entry, a confirmed discovery, or new."""
        subject = f"Wyoming entry {service.name} ({service.host}:{service.port})"
        existing = await self.existing(service)
        if existing:
            keep, *duplicates = existing
            self.report.add(subject, UNCHANGED)
            for duplicate in duplicates:
                await self.client.config_flows.remove_entry(duplicate.entry_id)
                self.report.add(
                    f"duplicate Wyoming entry {duplicate.title} ({duplicate.entry_id})", "removed"
                )
            return keep.entry_id
        discovery = await self._discovery(service)
        if discovery is not None:
            result = await self.client.config_flows.configure(discovery.flow_id, {})
            return self._created(result, service, subject, "confirmed discovery")
        return await self._create(service, subject)

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
