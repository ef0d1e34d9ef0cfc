"""Answers to questions the fast path can read from the live states: states, temperatures,
the time and the date."""

from __future__ import annotations

from datetime import datetime

from ..hass.home import Home
from ..hass.models import EntityState, ExposedEntity
from ..speech import join_names, spoken_number, spoken_quantity
from .matcher import IntentMatch
from .responses import render_response
from .targets import Targets

_OPENING_CLASSES = {"door", "window", "opening", "garage_door", "gate"}
_BINARY_WORDS = {
    "motion": ("detected", "clear"),
    "occupancy": ("occupied", "clear"),
    "presence": ("home", "away"),
    "moisture": ("wet", "dry"),
    "lock": ("unlocked", "locked"),
}


def state_words(entity: ExposedEntity, state: EntityState | None) -> str:
    """How a state is said: "22.1 degrees", "open", "locked", "on"."""
    if state is None or state.state in ("unavailable", "unknown"):
        return "unavailable" if state is None else state.state
    if entity.domain == "binary_sensor":
        on = state.state == "on"
        if entity.device_class in _OPENING_CLASSES:
            return "open" if on else "closed"
        words = _BINARY_WORDS.get(entity.device_class or "", ("on", "off"))
        return words[0] if on else words[1]
    if entity.domain == "climate":
        current = state.attributes.get("current_temperature")
        if current is not None:
            return f"set to {state.state} at {spoken_quantity(current, '°')}"
    unit = state.attributes.get("unit_of_measurement")
    return spoken_quantity(state.state, unit) if unit else state.state.replace("_", " ")


def answer_state(
    home: Home, match: IntentMatch, targets: Targets, responses: dict[str, str]
) -> str:
    """HassGetState: one entity's state, a yes/no question, or any/all/which/how many."""
    entities = targets.entities
    wanted = match.slots.get("state")
    matched = [e for e in entities if _state_is(home.state(e.entity_id), wanted)]
    key = match.response_key
    if len(entities) == 1 and key in ("one", "default", "one_yesno"):
        entity = entities[0]
        words = state_words(entity, home.state(entity.entity_id))
        if key == "one_yesno" and wanted is not None:
            return "Yes" if matched else f"No, {entity.name} is {words}"
        rendered = render_response(
            responses.get(key),
            {"slots": {"name": entity.name}, "state": {"state_with_unit": words}},
        )
        return rendered or f"{entity.name} is {words}"
    names = sorted(e.name for e in matched)
    said_state = match.slot_texts.get("state", str(wanted or ""))
    if key == "how_many":
        return spoken_number(len(names))
    if key == "all":
        missing = sorted(e.name for e in entities if e not in matched)
        return (
            "Yes" if not missing else f"No, {join_names(missing)} {_is(missing)} not {said_state}"
        )
    if key == "which":
        return join_names(names) if names else "None of them"
    if key == "any":
        return f"Yes, {join_names(names)}" if names else "No"
    parts = [f"{e.name} is {state_words(e, home.state(e.entity_id))}" for e in entities[:3]]
    return ". ".join(parts)


def _is(names: list[str]) -> str:
    return "are" if len(names) > 1 else "is"


def _state_is(state: EntityState | None, wanted: object) -> bool:
    return wanted is None or (state is not None and state.state == str(wanted))


def answer_temperature(home: Home, match: IntentMatch, targets: Targets) -> str | None:
    """HassClimateGetTemperature: a thermostat's reading, else a temperature sensor's."""
    candidates: list[ExposedEntity] = list(targets.entities)
    if not match.slots.get("name"):
        area = match.slots.get("area")
        everything = list(home.entities.values())
        climates = [e for e in everything if e.domain == "climate"]
        sensors = [
            e for e in everything if e.domain == "sensor" and e.device_class == "temperature"
        ]
        in_area = [e for e in climates + sensors if area and e.area_id == area]
        if in_area:
            candidates = in_area
        elif area and not match.area_from_context:
            return None  # the named room has no thermometer: let the caller say so
        else:
            candidates = climates[:1] or sensors[:1]
    for entity in candidates:
        state = home.state(entity.entity_id)
        if state is None:
            continue
        if entity.domain == "climate":
            value = state.attributes.get("current_temperature")
        else:
            value = state.state
        if value is None or value in ("unknown", "unavailable"):
            continue
        degree = "degree" if spoken_number(value) == "1" else "degrees"
        return f"{spoken_number(value)} {degree}"
    return None


def answer_time(now: datetime) -> str:
    """HassGetCurrentTime in English: "It is 3:05 PM"."""
    hour = now.hour % 12 or 12
    return f"It is {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"


def answer_date(now: datetime) -> str:
    """HassGetCurrentDate in English: "Today is Friday, November 21st"."""
    day = now.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"Today is {now:%A}, {now:%B} {day}{suffix}"
