"""Intents that answer questions or act on one chosen target: states, weather, climate,
to-do lists, time and date, never-mind. Over REST these return targets, never states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import intent_slots as sl
from .intent import IntentCall, IntentHandleError, IntentResponse, target
from .intent_match import Constraints, MatchFailedError, Preferences, Reason, match_targets
from .todo import COMPLETED, NEEDS_ACTION

_PLACE: dict[Any, sl.Slot] = {
    "area": sl.Slot(sl.non_empty_string),
    "name": sl.Slot(sl.non_empty_string),
    "floor": sl.Slot(sl.non_empty_string),
    "preferred_area_id": sl.Slot(sl.string),
    "preferred_floor_id": sl.Slot(sl.string),
}


def _preferences(slots: dict[str, Any]) -> Preferences:
    return Preferences(slots.get("preferred_area_id"), slots.get("preferred_floor_id"))


def get_state(call: IntentCall) -> IntentResponse:
    """HassGetState: every matched entity; an unknown name is an empty answer, not an error."""
    schema: dict[Any, sl.Slot] = {
        ("name", "area", "floor"): sl.Slot(sl.string),
        "domain": sl.Slot(sl.ensure_list(sl.string)),
        "device_class": sl.Slot(sl.ensure_list(sl.string)),
        "state": sl.Slot(sl.ensure_list(sl.string)),
        "preferred_area_id": sl.Slot(sl.string),
        "preferred_floor_id": sl.Slot(sl.string),
    }
    slots = sl.validate(call.slots, schema)
    constraints = Constraints(
        name=slots.get("name"),
        area_name=slots.get("area"),
        floor_name=slots.get("floor"),
        domains=set(slots["domain"]) if "domain" in slots else None,
        device_classes=set(slots["device_class"]) if "device_class" in slots else None,
        assistant=call.assistant,
    )
    result = match_targets(call.house, constraints, _preferences(slots))
    reason = result.reason
    named_but_hidden = bool(constraints.name) and reason is Reason.ASSISTANT
    if reason is not None and (not reason.no_entities or named_but_hidden):
        raise MatchFailedError(result, constraints)
    success = [target(a.name, "area", a.area_id) for a in result.areas]
    success += [target(f.name, "floor", f.floor_id) for f in result.floors]
    success += [target(s.name, "entity", s.entity_id) for s in result.states]
    return IntentResponse(call.language, "query_answer", success=success)


def get_weather(call: IntentCall) -> IntentResponse:
    """HassGetWeather: the first matching weather entity."""
    slots = sl.validate(call.slots, {"name": sl.Slot(sl.non_empty_string)})
    constraints = Constraints(name=slots.get("name"), domains=["weather"], assistant=call.assistant)
    result = match_targets(call.house, constraints)
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    state = result.states[0]
    return IntentResponse(
        call.language, "query_answer", success=[target(state.name, "entity", state.entity_id)]
    )


def get_temperature(call: IntentCall) -> IntentResponse:
    """HassClimateGetTemperature: one climate entity; REST callers get no targets back.

    (HA first tries an area's registered temperature sensor; the fake's area registry has
    none, exactly as its `temperature_entity_id` says.)
    """
    slots = sl.validate(call.slots, _PLACE)
    constraints = Constraints(
        name=slots.get("name"),
        area_name=slots.get("area"),
        floor_name=slots.get("floor"),
        domains=["climate"],
        assistant=call.assistant,
        single_target=True,
    )
    result = match_targets(call.house, constraints, _preferences(slots))
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    return IntentResponse(call.language, "query_answer")


def set_temperature(call: IntentCall) -> IntentResponse:
    """HassClimateSetTemperature: one thermostat with a single target temperature."""
    slots = sl.validate(
        call.slots, {**_PLACE, "temperature": sl.Slot(sl.coerce_float, required=True)}
    )
    constraints = Constraints(
        name=slots.get("name"),
        area_name=slots.get("area"),
        floor_name=slots.get("floor"),
        domains=["climate"],
        assistant=call.assistant,
        features=1,
        single_target=True,
    )
    result = match_targets(call.house, constraints, _preferences(slots))
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    state = result.states[0]
    # Not caught: a validation error (out of range) is an HTTP 500, as in HA.
    call.house.call_service(
        "climate",
        "set_temperature",
        {"temperature": slots["temperature"]},
        {"entity_id": state.entity_id},
        context=call.context,
    )
    return IntentResponse(call.language, success=[target(state.name, "entity", state.entity_id)])


def set_fan_mode(call: IntentCall) -> IntentResponse:
    """HassClimateSetFanMode: one thermostat with FAN_MODE; the mode by name, any case."""
    slots = sl.validate(
        call.slots, {**_PLACE, "fan_mode": sl.Slot(sl.non_empty_string, required=True)}
    )
    constraints = Constraints(
        name=slots.get("name"),
        area_name=slots.get("area"),
        floor_name=slots.get("floor"),
        domains=["climate"],
        assistant=call.assistant,
        features=8,
        single_target=True,
    )
    result = match_targets(call.house, constraints, _preferences(slots))
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    state = result.states[0]
    modes = {str(m).casefold(): str(m) for m in state.attributes.get("fan_modes") or []}
    mode = modes.get(slots["fan_mode"].casefold())
    if mode is None:
        raise IntentHandleError(f"Fan mode {slots['fan_mode']} is not supported by {state.name}")
    call.house.call_service(
        "climate",
        "set_fan_mode",
        {"fan_mode": mode},
        {"entity_id": state.entity_id},
        context=call.context,
    )
    return IntentResponse(call.language, success=[target(state.name, "entity", state.entity_id)])


def _list_slots(call: IntentCall) -> tuple[str, str, str]:
    """Validate item/name and match the list; returns (item, list name as given, entity id)."""
    slots = sl.validate(
        call.slots,
        {
            "item": sl.Slot(sl.non_empty_string, required=True),
            "name": sl.Slot(sl.non_empty_string, required=True),
        },
    )
    constraints = Constraints(name=slots["name"], domains=["todo"], assistant=call.assistant)
    result = match_targets(call.house, constraints)
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    return slots["item"].strip(), slots["name"], result.states[0].entity_id


def _list_answer(call: IntentCall, list_name: str, entity_id: str) -> IntentResponse:
    return IntentResponse(call.language, success=[target(list_name, "entity", entity_id)])


def list_add(call: IntentCall) -> IntentResponse:
    """HassListAddItem: HA capitalises the first letter of the item."""
    item, list_name, entity_id = _list_slots(call)
    summary = item[:1].upper() + item[1:]
    call.house.call_service(
        "todo", "add_item", {"item": summary}, {"entity_id": entity_id}, context=call.context
    )
    return _list_answer(call, list_name, entity_id)


def list_complete(call: IntentCall) -> IntentResponse:
    """HassListCompleteItem: an open item by uid or case-insensitive summary."""
    item, list_name, entity_id = _list_slots(call)
    found = next(
        (
            i
            for i in call.house.todo.of(entity_id)
            if (item == i.uid or item.casefold() == i.summary.casefold())
            and i.status == NEEDS_ACTION
        ),
        None,
    )
    if found is None:
        raise IntentHandleError(f"Item '{item}' not found on list")
    call.house.call_service(
        "todo",
        "update_item",
        {"item": found.uid, "status": COMPLETED},
        {"entity_id": entity_id},
        context=call.context,
    )
    return _list_answer(call, list_name, entity_id)


def list_remove(call: IntentCall) -> IntentResponse:
    """HassListRemoveItem: any item by uid or case-insensitive summary."""
    item, list_name, entity_id = _list_slots(call)
    found = next(
        (
            i
            for i in call.house.todo.of(entity_id)
            if item == i.uid or item.casefold() == i.summary.casefold()
        ),
        None,
    )
    if found is None:
        raise IntentHandleError(f"Item '{item}' not found on list")
    call.house.call_service(
        "todo", "remove_item", {"item": found.uid}, {"entity_id": entity_id}, context=call.context
    )
    return _list_answer(call, list_name, entity_id)


def current_time(call: IntentCall) -> IntentResponse:
    """HassGetCurrentTime: the time as a speech slot (the fake's time zone is UTC)."""
    return IntentResponse(
        call.language, speech_slots={"time": datetime.now(UTC).time().isoformat()}
    )


def current_date(call: IntentCall) -> IntentResponse:
    """HassGetCurrentDate."""
    return IntentResponse(
        call.language, speech_slots={"date": datetime.now(UTC).date().isoformat()}
    )


def nevermind(call: IntentCall) -> IntentResponse:
    """HassNevermind: nothing."""
    return IntentResponse(call.language)


def respond(call: IntentCall) -> IntentResponse:
    """HassRespond: speaks the given response."""
    slots = sl.validate(call.slots, {"response": sl.Slot(sl.string)})
    response = IntentResponse(call.language)
    if "response" in slots:
        response.speech = {"plain": {"speech": slots["response"], "extra_data": None}}
    return response


HANDLERS: dict[str, Callable[[IntentCall], IntentResponse]] = {
    "HassGetState": get_state,
    "HassGetWeather": get_weather,
    "HassClimateGetTemperature": get_temperature,
    "HassClimateSetTemperature": set_temperature,
    "HassClimateSetFanMode": set_fan_mode,
    "HassListAddItem": list_add,
    "HassListCompleteItem": list_complete,
    "HassListRemoveItem": list_remove,
    "HassGetCurrentTime": current_time,
    "HassGetCurrentDate": current_date,
    "HassNevermind": nevermind,
    "HassRespond": respond,
}
