"""Timer intents (HA's `intent/timers.py`): starting one needs the `device_id` of a device
that registered for timer events (a connected satellite), or a delayed command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import intent_slots as sl
from .intent import IntentCall, IntentHandleError, IntentResponse
from .intent_state import Timer, TimerStore

_DURATION = ("hours", "minutes", "seconds")
_START = ("start_hours", "start_minutes", "start_seconds")
_FIND: dict[Any, sl.Slot] = {
    _START: sl.Slot(sl.positive_int),
    "name": sl.Slot(sl.string),
    "area": sl.Slot(sl.string),
}


def _store(call: IntentCall) -> TimerStore:
    return call.house.intent_state.timers


def _total(slots: dict[str, Any]) -> int:
    hours, minutes, seconds = (int(slots.get(key, 0)) for key in _DURATION)
    return 3600 * hours + 60 * minutes + seconds


def _device_place(call: IntentCall, device_id: str | None) -> tuple[str | None, str | None]:
    """(area id, floor id) of a device."""
    device = call.house.devices.get(device_id or "")
    area = call.house.areas.get(device.area_id or "") if device else None
    return (area.area_id, area.floor_id) if area else (None, None)


def _filter(timers: list[Timer], slots: dict[str, Any]) -> tuple[list[Timer], bool]:
    """Apply the name/area/start filters in order; returns the rest and whether any applied.

    Stops as soon as one timer is left, as HA does.
    """
    applied = False
    if "name" in slots:
        applied = True
        wanted = slots["name"].strip().casefold()
        timers = [t for t in timers if t.name_normalized == wanted]
        if len(timers) == 1:
            return timers, applied
    if "area" in slots:
        applied = True
        wanted = slots["area"].strip().casefold()
        timers = [t for t in timers if t.area_name == wanted]
        if len(timers) == 1:
            return timers, applied
    if any(key in slots for key in _START):
        applied = True
        start = tuple(slots.get(key) for key in _START)
        timers = [t for t in timers if (t.start_hours, t.start_minutes, t.start_seconds) == start]
    return timers, applied


def _find_timer(call: IntentCall, slots: dict[str, Any], active: bool | None = None) -> Timer:
    """One timer, or "Timer not found" / "Multiple timers matched"."""
    timers = [t for t in _store(call).active() if not t.conversation_command]
    applied = active is not None
    if active is not None:
        timers = [t for t in timers if t.is_active == active]
        if len(timers) == 1:
            return timers[0]
    timers, filtered = _filter(timers, slots)
    applied = applied or filtered
    if len(timers) == 1 and (filtered or not applied):
        return timers[0]
    if timers and call.device_id:
        mine = [t for t in timers if t.device_id == call.device_id]
        if len(mine) == 1:
            return mine[0]
        area_id, floor_id = _device_place(call, call.device_id)
        if area_id is not None:
            for narrowed in (
                [t for t in timers if t.area_id == area_id],
                [t for t in timers if t.floor_id == floor_id],
            ):
                if len(narrowed) == 1:
                    return narrowed[0]
    if timers:
        raise IntentHandleError("Multiple timers matched")
    raise IntentHandleError("Timer not found")


def _find_timers(call: IntentCall, slots: dict[str, Any]) -> list[Timer]:
    """Every matching timer; the caller's area first, then its floor."""
    timers = [t for t in _store(call).active() if not t.conversation_command]
    if "name" in slots:
        wanted = slots["name"].strip().casefold()
        timers = [t for t in timers if t.name_normalized == wanted]
    if "area" in slots:
        wanted = slots["area"].strip().casefold()
        timers = [t for t in timers if t.area_name == wanted]
    if any(key in slots for key in _START):
        start = tuple(slots.get(key) for key in _START)
        timers = [t for t in timers if (t.start_hours, t.start_minutes, t.start_seconds) == start]
    area_id, floor_id = _device_place(call, call.device_id)
    if area_id is None:
        return timers
    return sorted(
        timers, key=lambda t: -2 if t.area_id == area_id else -1 if t.floor_id == floor_id else 0
    )


def start_timer(call: IntentCall) -> IntentResponse:
    """HassStartTimer."""
    schema = {
        _DURATION: sl.Slot(sl.positive_int, required=True),
        "name": sl.Slot(sl.string),
        "conversation_command": sl.Slot(sl.string),
    }
    slots = sl.validate(call.slots, schema)
    command = (slots.get("conversation_command") or "").strip() or None
    store = _store(call)
    if not command and not (call.device_id and call.device_id in store.devices):
        raise IntentHandleError(f"Device does not support timers: device_id={call.device_id}")
    area_id, floor_id = _device_place(call, call.device_id)
    area = call.house.areas.get(area_id or "")
    timer = store.new_timer(
        call.device_id,
        _total(slots),
        name=slots.get("name"),
        start_hours=slots.get("hours"),
        start_minutes=slots.get("minutes"),
        start_seconds=slots.get("seconds"),
        language=call.language,
        area_id=area_id,
        area_name=area.name.strip().casefold() if area else None,
        floor_id=floor_id,
        conversation_command=command,
    )
    store.add(timer)
    return IntentResponse(call.language)


def cancel_timer(call: IntentCall) -> IntentResponse:
    """HassCancelTimer."""
    slots = sl.validate(call.slots, _FIND)
    _store(call).cancel(_find_timer(call, slots))
    return IntentResponse(call.language)


def cancel_all(call: IntentCall) -> IntentResponse:
    """HassCancelAllTimers: never an error; reports how many were cancelled."""
    slots = sl.validate(call.slots, {"area": sl.Slot(sl.string)})
    timers = _find_timers(call, slots)
    for timer in timers:
        _store(call).cancel(timer)
    speech_slots: dict[str, Any] = {"canceled": len(timers)}
    if "area" in slots:
        speech_slots["area"] = slots["area"]
    return IntentResponse(call.language, speech_slots=speech_slots)


def change_timer(sign: int, required: bool) -> Callable[[IntentCall], IntentResponse]:
    """HassIncreaseTimer (+) / HassDecreaseTimer (-)."""

    def handle(call: IntentCall) -> IntentResponse:
        slots = sl.validate(call.slots, {_DURATION: sl.Slot(sl.positive_int, required), **_FIND})
        timer = _find_timer(call, slots)
        _store(call).add_time(timer, sign * _total(slots))
        return IntentResponse(call.language)

    return handle


def pause_timer(active: bool) -> Callable[[IntentCall], IntentResponse]:
    """HassPauseTimer (running ones) / HassUnpauseTimer (paused ones)."""

    def handle(call: IntentCall) -> IntentResponse:
        slots = sl.validate(call.slots, _FIND)
        timer = _find_timer(call, slots, active=active)
        store = _store(call)
        store.pause(timer) if active else store.unpause(timer)
        return IntentResponse(call.language)

    return handle


def _rounded(hours: int, minutes: int, seconds: int) -> tuple[int, int, int]:
    """HA's lower-precision time for speech."""
    if hours > 0:
        if minutes > 45:
            return hours + 1, 0, 0
        return hours, 0 if minutes < 15 else 30, 0
    if minutes > 0:
        if seconds > 45:
            return 0, minutes + 1, 0
        return 0, minutes, 0 if seconds < 15 else 30
    if seconds > 50:
        return 0, 1, 0
    return 0, 0, seconds if seconds < 10 else seconds - seconds % 10


def timer_status(call: IntentCall) -> IntentResponse:
    """HassTimerStatus: the matching timers as speech slots (an empty list is no error)."""
    slots = sl.validate(call.slots, _FIND)
    now = _store(call).clock()
    statuses = []
    for timer in _find_timers(call, slots):
        left = timer.seconds_left(now)
        minutes, seconds = divmod(left, 60)
        hours, minutes = divmod(minutes, 60)
        rounded = _rounded(hours, minutes, seconds)
        statuses.append(
            {
                "id": timer.id,
                "name": timer.name or "",
                "device_id": timer.device_id or "",
                "language": timer.language,
                "start_hours": timer.start_hours or 0,
                "start_minutes": timer.start_minutes or 0,
                "start_seconds": timer.start_seconds or 0,
                "is_active": timer.is_active,
                "hours_left": hours,
                "minutes_left": minutes,
                "seconds_left": seconds,
                "rounded_hours_left": rounded[0],
                "rounded_minutes_left": rounded[1],
                "rounded_seconds_left": rounded[2],
                "total_seconds_left": left,
            }
        )
    return IntentResponse(call.language, speech_slots={"timers": statuses})


HANDLERS: dict[str, Callable[[IntentCall], IntentResponse]] = {
    "HassStartTimer": start_timer,
    "HassCancelTimer": cancel_timer,
    "HassCancelAllTimers": cancel_all,
    "HassIncreaseTimer": change_timer(1, required=False),
    "HassDecreaseTimer": change_timer(-1, required=True),
    "HassPauseTimer": pause_timer(True),
    "HassUnpauseTimer": pause_timer(False),
    "HassTimerStatus": timer_status,
}
