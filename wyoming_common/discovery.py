"""Zeroconf: advertise a service so Home Assistant finds it, and browse for services."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_wyoming._tcp.local."
_MDNS_GROUP = "224.0.0.251"
_UNSPECIFIED = {"", "0.0.0.0", "::", "*"}


def is_unspecified(host: str | None) -> bool:
    """True for bind-all addresses that must never be advertised."""
    if host is None or host in _UNSPECIFIED:
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def routable_address(bind_host: str | None = None) -> str:
    """The address other machines reach us at: the bind host if specific, else the LAN address.

    Connecting a UDP socket sends nothing; it only makes the kernel pick the source address
    of the route towards the mDNS group (the LAN interface), like HA expects.
    """
    if bind_host and not is_unspecified(bind_host):
        return bind_host
    for target in (_MDNS_GROUP, "192.0.2.1"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((target, 1))
                address = str(sock.getsockname()[0])
            if not is_unspecified(address):
                return address
        except OSError:
            continue
    try:
        address = socket.gethostbyname(socket.gethostname())
        if not is_unspecified(address):
            return address
    except OSError:
        pass
    return "127.0.0.1"


@dataclass(frozen=True)
class Advertisement:
    """What is announced: instance name, address and port."""

    name: str
    host: str
    port: int

    @property
    def instance(self) -> str:
        """Full zeroconf instance name."""
        return f"{self.name}.{SERVICE_TYPE}"


class ZeroconfAdvertiser:
    """Registers one `_wyoming._tcp` instance and sends goodbye on stop."""

    def __init__(
        self,
        name: str,
        port: int,
        *,
        host: str | None = None,
        bind_host: str | None = None,
        interfaces: Sequence[str] | None = None,
    ) -> None:
        address = host if host and not is_unspecified(host) else routable_address(bind_host)
        if is_unspecified(address):
            raise ValueError(f"refusing to advertise unspecified address {address!r}")
        self.advertisement = Advertisement(name=name, host=address, port=port)
        self._interfaces = list(interfaces) if interfaces else None
        self._zeroconf: Any = None
        self._info: Any = None

    async def start(self) -> None:
        """Register the service (zeroconf probes the name first)."""
        from zeroconf import InterfaceChoice
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        ad = self.advertisement
        interfaces = self._interfaces or InterfaceChoice.All
        self._zeroconf = AsyncZeroconf(interfaces=interfaces)
        self._info = AsyncServiceInfo(
            SERVICE_TYPE,
            ad.instance,
            port=ad.port,
            parsed_addresses=[ad.host],
            server=f"{ad.name}.local.",
        )
        await self._zeroconf.async_register_service(self._info)
        _LOGGER.info("Zeroconf: advertising %s at %s:%s", ad.name, ad.host, ad.port)

    async def stop(self) -> None:
        """Unregister (goodbye packets) and close."""
        if self._zeroconf is None:
            return
        try:
            if self._info is not None:
                # The call only schedules the goodbyes; closing before they went out
                # (as happened) left the service listed until its TTL expired.
                goodbye = await self._zeroconf.async_unregister_service(self._info)
                await goodbye
        finally:
            await self._zeroconf.async_close()
            self._zeroconf = None
            _LOGGER.debug("Zeroconf: %s unregistered", self.advertisement.name)


@dataclass(frozen=True)
class DiscoveredService:
    """A `_wyoming._tcp` instance found on the network."""

    name: str
    host: str
    port: int

    @property
    def uri(self) -> str:
        """tcp:// URI for clients."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


async def browse(
    seconds: float = 3.0, *, interfaces: Sequence[str] | None = None
) -> list[DiscoveredService]:
    """Collect the Wyoming services that answer within `seconds`."""
    from zeroconf import InterfaceChoice, ServiceStateChange
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    names: set[str] = set()

    def on_change(
        zeroconf: Any, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            names.add(name)

    aiozc = AsyncZeroconf(interfaces=list(interfaces) if interfaces else InterfaceChoice.All)
    browser = AsyncServiceBrowser(aiozc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        await asyncio.sleep(seconds)
        found: list[DiscoveredService] = []
        for name in sorted(names):
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if not await info.async_request(aiozc.zeroconf, 3000):
                continue
            addresses = [a for a in info.parsed_scoped_addresses() if not is_unspecified(a)]
            if not addresses or info.port is None:
                continue
            short = name.removesuffix("." + SERVICE_TYPE)
            found.append(DiscoveredService(name=short, host=addresses[0], port=info.port))
        return found
    finally:
        await browser.async_cancel()
        await aiozc.async_close()
