"""Where the other satellites of the group are: --arbitration-peer addresses, and the ones that
announce the group over zeroconf (`_wv-arbitrate._udp.local.`, TXT group/id; Home Assistant
never looks at this type)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from wyoming_common.discovery import is_unspecified, routable_address

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wv-arbitrate._udp.local."
Address = tuple[str, int]


def parse_peer(text: str) -> Address:
    """HOST:PORT → (host, port)."""
    host, _sep, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class PeerDirectory:
    """The peers' UDP addresses: static ones plus those found over zeroconf."""

    def __init__(
        self,
        group: str,
        satellite_id: str,
        *,
        static: Sequence[str] = (),
        zeroconf: bool = True,
        interfaces: Sequence[str] | None = None,
        advertise_host: str | None = None,
    ) -> None:
        self.group = group
        self.satellite_id = satellite_id
        self.static = {parse_peer(p) for p in static}
        self.use_zeroconf = zeroconf
        self._interfaces = list(interfaces) if interfaces else None
        self._advertise_host = advertise_host
        self._found: dict[str, Address] = {}
        self._zeroconf: Any = None
        self._browser: Any = None
        self._info: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    def peers(self) -> set[Address]:
        """Every peer known now."""
        return self.static | set(self._found.values())

    async def start(self, port: int, name: str) -> None:
        """Announce our socket and start looking for the group's other satellites."""
        if not self.use_zeroconf:
            return
        from zeroconf import InterfaceChoice, ServiceStateChange
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

        host = self._advertise_host
        if host is None or is_unspecified(host):
            host = routable_address()
        self._zeroconf = AsyncZeroconf(interfaces=self._interfaces or InterfaceChoice.All)
        instance = f"{_label(name)}-{self.satellite_id}.{SERVICE_TYPE}"
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            instance,
            port=port,
            parsed_addresses=[host],
            properties={"group": self.group, "id": self.satellite_id},
            server=f"{self.satellite_id}.local.",
        )
        await self._zeroconf.async_register_service(self._info)

        def on_change(
            zeroconf: Any, service_type: str, name: str, state_change: ServiceStateChange
        ) -> None:
            if state_change is ServiceStateChange.Removed:
                self._found.pop(name, None)
                return
            task = asyncio.create_task(self._resolve(AsyncServiceInfo(service_type, name), name))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._browser = AsyncServiceBrowser(
            self._zeroconf.zeroconf, SERVICE_TYPE, handlers=[on_change]
        )

    async def _resolve(self, info: Any, name: str) -> None:
        if not await info.async_request(self._zeroconf.zeroconf, 3000):
            return
        props = {k.decode(): (v or b"").decode() for k, v in (info.properties or {}).items()}
        if props.get("group") != self.group or props.get("id") == self.satellite_id:
            return
        addresses = info.parsed_addresses()
        if addresses and info.port:
            self._found[name] = (addresses[0], int(info.port))
            _LOGGER.info("Arbitration peer %s at %s:%s", props.get("id"), addresses[0], info.port)

    async def stop(self) -> None:
        """Send goodbye and stop browsing."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._zeroconf is None:
            return
        try:
            if self._browser is not None:
                await self._browser.async_cancel()
            if self._info is not None:
                await (await self._zeroconf.async_unregister_service(self._info))
        finally:
            await self._zeroconf.async_close()
            self._zeroconf = None


def _label(name: str) -> str:
    """A satellite name as a DNS-SD instance label."""
    cleaned = "".join(c if c.isalnum() else "-" for c in name).strip("-")
    return cleaned[:40] or "satellite"
