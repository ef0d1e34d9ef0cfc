"""Timers Home Assistant runs for this satellite (timer-started/updated/cancelled/finished)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wyoming.event import Event
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated


@dataclass
class ActiveTimer:
    """A timer as last reported by Home Assistant."""

    id: str
    name: str | None
    total_seconds: int
    is_active: bool
    updated_at: float

    def remaining(self, now: float) -> float:
        """Seconds left (frozen while paused)."""
        if not self.is_active:
            return float(self.total_seconds)
        return max(0.0, self.total_seconds - (now - self.updated_at))


@dataclass(frozen=True)
class TimerChange:
    """What a timer event did: started, updated, cancelled or finished."""

    kind: str
    timer: ActiveTimer


class TimerBook:
    """The satellite's view of its timers; HA stays the authority and says when one rings."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.timers: dict[str, ActiveTimer] = {}

    def _take(self, timer_id: str, now: float) -> ActiveTimer:
        timer = self.timers.get(timer_id)
        if timer is None:
            return ActiveTimer(timer_id, None, 0, False, now)
        del self.timers[timer_id]
        return timer

    @staticmethod
    def is_timer_event(event: Event) -> bool:
        """True for the four timer event types."""
        return any(
            cls.is_type(event.type)
            for cls in (TimerStarted, TimerUpdated, TimerCancelled, TimerFinished)
        )

    def apply(self, event: Event) -> TimerChange | None:
        """Update the book from a timer event."""
        now = self._clock()
        if TimerStarted.is_type(event.type):
            started = TimerStarted.from_event(event)
            timer = ActiveTimer(started.id, started.name, started.total_seconds, True, now)
            self.timers[timer.id] = timer
            return TimerChange("started", timer)
        if TimerUpdated.is_type(event.type):
            updated = TimerUpdated.from_event(event)
            timer = self.timers.get(updated.id) or ActiveTimer(updated.id, None, 0, True, now)
            timer.total_seconds = updated.total_seconds
            timer.is_active = updated.is_active
            timer.updated_at = now
            self.timers[timer.id] = timer
            return TimerChange("updated", timer)
        if TimerCancelled.is_type(event.type):
            timer_id = TimerCancelled.from_event(event).id
            timer = self._take(timer_id, now)
            return TimerChange("cancelled", timer)
        if TimerFinished.is_type(event.type):
            timer_id = TimerFinished.from_event(event).id
            timer = self._take(timer_id, now)
            return TimerChange("finished", timer)
        return None
