"""The satellite's Wyoming server side: one handler per Home Assistant connection."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from wyoming.event import Event

from wyoming_common.errors import BadRequestError
from wyoming_common.handler import ServiceEventHandler

from ..core import Satellite

_LOGGER = logging.getLogger(__name__)


class SatelliteEventHandler(ServiceEventHandler):
    """Answers describe/ping itself (never blocked: audio runs in other tasks) and hands every
    other event to the long-lived Satellite."""

    service = "satellite"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        satellite: Satellite,
        **kwargs: Any,
    ) -> None:
        super().__init__(reader, writer, info=satellite.info, **kwargs)
        self.satellite = satellite

    async def handle_event(self, event: Event) -> bool:
        """Validate and handle one event from Home Assistant.

        A malformed event (e.g. audio at rate 0) gets `error {code: bad-request}` and the
        connection stays: HA keeps one connection per satellite for hours.
        """
        try:
            return await super().handle_event(event)
        except BadRequestError as err:
            _LOGGER.info("Bad %s from %s: %s", event.type, self.peer, err)
            await self.send_error(str(err), err.code)
            return True

    async def handle_request(self, event: Event) -> bool:
        """Everything but describe/ping: run/pause, replies, timers, errors."""
        await self.satellite.on_server_event(self, event)
        return True

    async def on_disconnect(self) -> None:
        """Tell the satellite; it keeps running for the next connection."""
        self.satellite.on_server_disconnected(self)
