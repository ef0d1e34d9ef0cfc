"""What HA's intents remember between calls: the media players last paused by voice, the
timers (HA's `TimerManager`) and which devices can run timers (connected satellites)."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .registry import new_ulid

if TYPE_CHECKING:
    from .house import Context


@dataclass
class LastPaused:
    """The players the last HassMediaPause paused, so a bare "resume" resumes only those."""

    timestamp: float | None = None
    context: Context | None = None
    entity_ids: set[str] = field(default_factory=set)

    def update(self, context: Context, entity_ids: list[str], now: float) -> None:
        """Remember a pause."""
        self.context = context
        self.entity_ids = set(entity_ids)
        if self.entity_ids:
            self.timestamp = now

    def clear(self) -> None:
        """Forget it (after a resume)."""
        self.timestamp, self.context = None, None
        self.entity_ids.clear()


class TimerEvent(enum.StrEnum):
    """What happened to a timer (HA's `TimerEventType`)."""

    STARTED = "started"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    FINISHED = "finished"


@dataclass
class Timer:
    """One timer (HA's `TimerInfo`); times are seconds of the store's clock."""

    id: str
    name: str | None
    seconds: int
    device_id: str | None
    start_hours: int | None
    start_minutes: int | None
    start_seconds: int | None
    updated_at: float
    language: str = "en"
    is_active: bool = True
    area_id: str | None = None
    area_name: str | None = None
    floor_id: str | None = None
    conversation_command: str | None = None

    def seconds_left(self, now: float) -> int:
        """Seconds to go: frozen while paused."""
        if not self.is_active:
            return self.seconds
        return max(0, self.seconds - int(now - self.updated_at))

    @property
    def name_normalized(self) -> str:
        """The name as timer searches compare it."""
        return (self.name or "").strip().casefold()


TimerListener = Callable[[TimerEvent, Timer], None]


class TimerStore:
    """The running timers and the devices that registered for timer events.

    `clock` is monotonic seconds; a benchmark may freeze it so timers neither tick nor end.
    Finished timers are removed (and reported) lazily, whenever the store is read.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start empty."""
        self.clock = clock
        self.timers: dict[str, Timer] = {}
        self.devices: set[str] = set()
        self.listeners: list[TimerListener] = []

    def active(self) -> list[Timer]:
        """The timers still running or paused, in creation order."""
        now = self.clock()
        for timer in list(self.timers.values()):
            if timer.is_active and timer.seconds_left(now) == 0:
                del self.timers[timer.id]
                timer.seconds, timer.is_active = 0, False
                self.notify(TimerEvent.FINISHED, timer)
        return list(self.timers.values())

    def add(self, timer: Timer) -> Timer:
        """Register a new timer and announce it."""
        self.timers[timer.id] = timer
        self.notify(TimerEvent.STARTED, timer)
        return timer

    def new_timer(self, device_id: str | None, seconds: int, **fields: object) -> Timer:
        """A timer starting now (not yet added)."""
        return Timer(
            id=new_ulid(),
            seconds=seconds,
            device_id=device_id,
            updated_at=self.clock(),
            **fields,  # type: ignore[arg-type]
        )

    def cancel(self, timer: Timer) -> None:
        """Cancel a timer."""
        self.timers.pop(timer.id, None)
        timer.seconds, timer.is_active, timer.updated_at = 0, False, self.clock()
        self.notify(TimerEvent.CANCELLED, timer)

    def add_time(self, timer: Timer, seconds: int) -> None:
        """Add (or with a negative number remove) time."""
        if seconds == 0:
            return
        now = self.clock()
        timer.seconds = max(0, timer.seconds_left(now) + seconds)
        timer.updated_at = now
        self.notify(TimerEvent.UPDATED, timer)

    def pause(self, timer: Timer) -> None:
        """Pause a running timer."""
        if not timer.is_active:
            return
        now = self.clock()
        timer.seconds, timer.updated_at, timer.is_active = timer.seconds_left(now), now, False
        self.notify(TimerEvent.UPDATED, timer)

    def unpause(self, timer: Timer) -> None:
        """Resume a paused timer."""
        if timer.is_active:
            return
        timer.updated_at, timer.is_active = self.clock(), True
        self.notify(TimerEvent.UPDATED, timer)

    def clear(self) -> None:
        """Drop every timer silently (tests and benchmarks reset with it)."""
        self.timers.clear()

    def notify(self, event: TimerEvent, timer: Timer) -> None:
        """Tell listeners (e.g. a satellite connection) about a timer of a registered device."""
        if timer.conversation_command or timer.device_id not in self.devices:
            return
        for listener in list(self.listeners):
            listener(event, timer)


@dataclass
class IntentState:
    """Everything the intents keep on a house."""

    last_paused: LastPaused = field(default_factory=LastPaused)
    timers: TimerStore = field(default_factory=TimerStore)
