"""State changes for LEDs and buttons: a program run with JSON on stdin (--event-command) and/or
Wyoming events sent to a service (--event-uri). Delivery never delays the satellite."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from wyoming.audio import AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.satellite import (
    SatelliteConnected,
    SatelliteDisconnected,
    StreamingStarted,
    StreamingStopped,
)
from wyoming.snd import Played
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated
from wyoming.wake import Detection

from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .devices.processes import stop_process

_LOGGER = logging.getLogger(__name__)

_MAX_PENDING = 64


class SatelliteState(enum.StrEnum):
    """What the satellite is doing; each change is reported to the hooks."""

    WAKE = "wake"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    IDLE = "idle"
    ERROR = "error"
    TIMER = "timer"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class StateChange:
    """One state change and its details (wake word name, error text, timer fields...)."""

    state: SatelliteState
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)

    def as_json(self, satellite: str) -> str:
        """The object written to --event-command's stdin."""
        return json.dumps(
            {"state": self.state.value, "satellite": satellite, "timestamp": self.timestamp}
            | self.data
        )

    def wyoming_event(self) -> Event:
        """The Wyoming event sent to --event-uri for this change."""
        data = self.data
        state = self.state
        if state is SatelliteState.WAKE:
            return Detection(name=data.get("name"), timestamp=data.get("timestamp")).event()
        if state is SatelliteState.LISTENING:
            return StreamingStarted().event()
        if state is SatelliteState.THINKING:
            return StreamingStopped().event()
        if state is SatelliteState.SPEAKING:
            return AudioStart(
                rate=data.get("rate", 22050),
                width=data.get("width", 2),
                channels=data.get("channels", 1),
            ).event()
        if state is SatelliteState.ERROR:
            return Error(text=data.get("text", ""), code=data.get("code")).event()
        if state is SatelliteState.TIMER:
            return _timer_event(data)
        if state is SatelliteState.CONNECTED:
            return SatelliteConnected().event()
        if state is SatelliteState.DISCONNECTED:
            return SatelliteDisconnected().event()
        return Played().event()  # idle: whatever was going on has finished


def _timer_event(data: dict[str, Any]) -> Event:
    event = data.get("event")
    timer_id = str(data.get("id", ""))
    if event == "started":
        return TimerStarted(
            id=timer_id, total_seconds=int(data.get("total_seconds", 0)), name=data.get("name")
        ).event()
    if event == "updated":
        return TimerUpdated(
            id=timer_id,
            is_active=bool(data.get("is_active", True)),
            total_seconds=int(data.get("total_seconds", 0)),
        ).event()
    if event == "cancelled":
        return TimerCancelled(id=timer_id).event()
    return TimerFinished(id=timer_id).event()


class EventHooks:
    """Delivers state changes in order from a task of its own; slow hooks drop, never block."""

    def __init__(
        self,
        satellite_name: str,
        *,
        command: str | None = None,
        uri: str | None = None,
        command_timeout: float = 5.0,
    ) -> None:
        self.satellite_name = satellite_name
        self.command = shlex.split(command) if command else None
        self.uri = uri
        self.command_timeout = command_timeout
        self._queue: asyncio.Queue[StateChange] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._conn: WyomingConnection | None = None
        self.history: list[StateChange] = []
        self.state = SatelliteState.IDLE

    @property
    def enabled(self) -> bool:
        """True when a command or a URI is configured."""
        return bool(self.command or self.uri)

    async def start(self) -> None:
        """Start delivering."""
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="satellite event hooks")

    async def stop(self) -> None:
        """Deliver what is queued (briefly), then stop."""
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def emit(self, state: SatelliteState, **data: Any) -> None:
        """Report a state change (returns at once)."""
        change = StateChange(state, data)
        self.state = state
        self.history = [*self.history[-99:], change]
        _LOGGER.debug("State: %s %s", state.value, data or "")
        if self._task is None:
            return
        if self._queue.qsize() >= _MAX_PENDING:
            _LOGGER.warning("Event hooks are too slow; dropping %s", state.value)
            return
        self._queue.put_nowait(change)

    async def _run(self) -> None:
        while True:
            change = await self._queue.get()
            try:
                if self.command:
                    await self._run_command(change)
                if self.uri:
                    await self._send(change)
            except Exception:  # a broken hook must never stop the satellite
                _LOGGER.exception("Event hook failed for %s", change.state.value)
            finally:
                self._queue.task_done()

    async def _run_command(self, change: StateChange) -> None:
        assert self.command is not None
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
            )
        except OSError as err:
            _LOGGER.warning("Cannot run --event-command: %s", err)
            return
        try:
            async with asyncio.timeout(self.command_timeout):
                await proc.communicate(change.as_json(self.satellite_name).encode() + b"\n")
        except TimeoutError:
            _LOGGER.warning("--event-command took longer than %.0f s", self.command_timeout)
        finally:
            await stop_process(proc)

    async def _send(self, change: StateChange) -> None:
        assert self.uri is not None
        for _attempt in range(2):  # one reconnect: the service may have restarted
            if self._conn is None:
                conn = WyomingConnection(self.uri, connect_timeout=2.0)
                try:
                    await conn.connect()
                except ServiceUnavailableError as err:
                    _LOGGER.debug("Event service unavailable: %s", err)
                    return
                self._conn = conn
            try:
                await self._conn.write(change.wyoming_event())
                return
            except ServiceUnavailableError:
                await self._conn.close()
                self._conn = None
