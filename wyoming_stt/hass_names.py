"""Names people say, from Home Assistant: exposed entities with aliases, areas and floors.

`HassVocabulary` keeps a websocket to Home Assistant (wyoming_common.hass.LiveConnection):
on every (re)connect it reads the names and subscribes to registry changes; a change (a
renamed entity, a new alias or area, an entity exposed to Assist) reads them again, a moment
later so that a burst of changes costs one read. Whenever the names differ from the last ones,
`on_change` gets them (the engines rebuild their grammar or prompt). Runs on the service's
event loop: nothing here blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from wyoming_common.hass import HomeAssistantClient, LiveConnection, RegistryChange

from .engines import Vocabulary
from .settings import HassSource

_LOGGER = logging.getLogger(__name__)

REFRESH_DELAY = 1.0
"""Seconds to wait after a registry change before reading the names again."""

OnChange = Callable[[Vocabulary], Awaitable[None]]


async def fetch_vocabulary(client: HomeAssistantClient) -> Vocabulary:
    """The names of the entities exposed to Assist (and aliases) with their domains, areas
    and floors."""
    exposed = sorted(await client.exposed_entity_ids("conversation"))
    states = {state.entity_id: state for state in await client.get_states()}
    registry = {entry.entity_id: entry for entry in await client.entity_registry()}
    registered = [entity_id for entity_id in exposed if entity_id in registry]
    extended = await client.entity_entries(registered) if registered else {}
    names: list[str] = []
    domains: list[tuple[str, str]] = []
    for entity_id in exposed:
        entry = registry.get(entity_id)
        state = states.get(entity_id)
        friendly = (state.attributes.get("friendly_name") if state else None) or None
        # Assist matches the state's name; the registry's names stand in for a missing state.
        said = _strings([friendly or (entry.name if entry else None)])
        if not friendly and entry is not None:
            said.extend(_strings([entry.original_name]))
        aliases = extended[entity_id].aliases if entity_id in extended else None
        said.extend(_strings(aliases or ()))
        names.extend(said)
        domain = entity_id.split(".", 1)[0]
        domains.extend((name, domain) for name in said)
    areas: list[str] = []
    for area in await client.areas():
        areas.extend(_strings([area.name, *area.aliases]))
    for floor in await client.floors():
        areas.extend(_strings([floor.name, *floor.aliases]))
    return Vocabulary(
        names=_unique(names), areas=_unique(areas), domains=tuple(dict.fromkeys(domains))
    )


class HassVocabulary:
    """The names from Home Assistant, kept current while the service runs."""

    def __init__(
        self,
        source: HassSource,
        on_change: OnChange,
        *,
        refresh_delay: float = REFRESH_DELAY,
    ) -> None:
        self._source = source
        self._on_change = on_change
        self._refresh_delay = refresh_delay
        client = HomeAssistantClient(source.url, source.token, request_timeout=source.timeout)
        self._live = LiveConnection(client, self._connected)
        self._refresh: asyncio.Task[None] | None = None
        self.current: Vocabulary | None = None
        self._first = asyncio.Event()

    async def start(self, timeout: float) -> Vocabulary | None:
        """Connect, and wait up to timeout s for the first names (None: carry on without)."""
        await self._live.start()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._first.wait()
        if self.current is None:
            _LOGGER.warning(
                "No names from Home Assistant at %s yet (%s); starting without them and "
                "adding them when it answers",
                self._source.url,
                self._live.last_error or f"no answer within {timeout:g} s",
            )
        return self.current

    async def stop(self) -> None:
        """Close the connection."""
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresh
        await self._live.stop()

    async def _connected(self, client: HomeAssistantClient) -> None:
        await client.subscribe_registry_changes(self._changed)
        await self._read(client)

    def _changed(self, change: RegistryChange) -> None:
        _LOGGER.debug("Home Assistant %s registry: %s", change.registry, change.action)
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_later(), name="hass names")

    async def _refresh_later(self) -> None:
        await asyncio.sleep(self._refresh_delay)
        try:
            await self._read(self._live.client)
        except Exception as err:  # the next change or reconnect reads again
            _LOGGER.warning("Could not read names from Home Assistant: %s", err)

    async def _read(self, client: HomeAssistantClient) -> None:
        vocabulary = await fetch_vocabulary(client)
        first = self.current is None
        if vocabulary != self.current:
            self.current = vocabulary
            _LOGGER.info(
                "%d entity names and %d area names from Home Assistant at %s",
                len(vocabulary.names),
                len(vocabulary.areas),
                self._source.url,
            )
            await self._on_change(vocabulary)
        if first:
            self._first.set()


def _strings(items: Iterable[Any]) -> list[str]:
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
