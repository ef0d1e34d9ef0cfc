"""A remote Wyoming wake word service (--wake-uri), e.g. wyoming-openwakeword on another box."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from wyoming.audio import AudioChunk, AudioStart
from wyoming.wake import Detect, Detection

from wyoming_common.audio import STT_FORMAT
from wyoming_common.client import ServiceUnavailableError, WyomingConnection, describe

from .engine import WakeHit, WakeModelInfo, WakeProgramInfo

_LOGGER = logging.getLogger(__name__)


class RemoteWakeEngine:
    """Streams the microphone to a wake service and collects its `detection` events.

    A service that is down is retried with a growing delay; meanwhile the satellite keeps
    serving Home Assistant.
    """

    def __init__(
        self,
        uri: str,
        names: Sequence[str] | None = None,
        *,
        retry_seconds: tuple[float, float] = (1.0, 30.0),
    ) -> None:
        self.uri = uri
        self.names = list(names) if names else None
        self._retry = retry_seconds
        self._delay = retry_seconds[0]
        self._next_attempt = 0.0
        self._conn: WyomingConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._detections: asyncio.Queue[str] = asyncio.Queue()
        self.program = WakeProgramInfo(
            name=f"remote wake {uri}",
            description=f"Wyoming wake word service at {uri}",
            attribution_name="wyoming",
            attribution_url="https://github.com/OHF-Voice/wyoming",
            models=tuple(WakeModelInfo(n, n.replace("_", " ").title()) for n in self.names or ()),
        )

    async def start(self) -> None:
        """Learn the service's models for `info` (a service that is down is no error)."""
        try:
            info = await describe(self.uri, timeout=3.0)
        except ServiceUnavailableError as err:
            _LOGGER.warning("Wake service not reachable yet: %s", err)
            return
        if info.wake:
            program = info.wake[0]
            models = [
                WakeModelInfo(m.name, m.phrase or m.name, tuple(m.languages or ()))
                for m in program.models
                if self.names is None or m.name in self.names
            ]
            self.program = WakeProgramInfo(
                name=program.name,
                description=program.description or self.program.description,
                attribution_name=program.attribution.name,
                attribution_url=program.attribution.url,
                models=tuple(models),
            )

    async def _connect(self) -> WyomingConnection | None:
        if self._conn is not None:
            return self._conn
        if time.monotonic() < self._next_attempt:
            return None
        conn = WyomingConnection(self.uri, connect_timeout=3.0, read_timeout=None)
        try:
            await conn.connect()
            await conn.write(Detect(names=self.names).event())
            fmt = STT_FORMAT
            await conn.write(AudioStart(fmt.rate, fmt.width, fmt.channels).event())
        except ServiceUnavailableError as err:
            _LOGGER.warning("Wake service unavailable (%s); retry in %.0f s", err, self._delay)
            await conn.close()
            self._next_attempt = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, self._retry[1])
            return None
        self._delay = self._retry[0]
        self._conn = conn
        self._reader = asyncio.create_task(self._read(conn), name="satellite wake reader")
        return conn

    async def _read(self, conn: WyomingConnection) -> None:
        try:
            while (event := await conn.read(timeout=None)) is not None:
                if Detection.is_type(event.type):
                    name = Detection.from_event(event).name
                    if name and (self.names is None or name in self.names):
                        self._detections.put_nowait(name)
        except ServiceUnavailableError as err:  # reconnects on the next block
            _LOGGER.info("Wake service connection ended: %s", err)
        if self._conn is conn:
            self._conn = None

    @property
    def detection_lags(self) -> bool:
        """Always: the service answers while later audio is already on its way."""
        return True

    async def process(self, audio: bytes, timestamp: int) -> WakeHit | None:
        """Send the block; return a detection that arrived since the last call."""
        conn = await self._connect()
        if conn is not None:
            fmt = STT_FORMAT
            chunk = AudioChunk(
                rate=fmt.rate,
                width=fmt.width,
                channels=fmt.channels,
                audio=audio,
                timestamp=timestamp,
            )
            try:
                await conn.write(chunk.event())
            except ServiceUnavailableError as err:
                _LOGGER.info("Wake service write failed: %s", err)
                await self._close()
        if self._detections.empty():
            return None
        return WakeHit(self._detections.get_nowait())

    async def reset(self) -> None:
        """Start a fresh detection stream on the next block."""
        await self._close()
        while not self._detections.empty():
            self._detections.get_nowait()

    async def _close(self) -> None:
        conn, reader = self._conn, self._reader
        self._conn, self._reader = None, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if conn is not None:
            await conn.close()

    async def stop(self) -> None:
        """Close the connection."""
        await self._close()
