"""Spoken answers built from live states (never from a model's memory): a device's state, yes/no
questions, any/all/which/how many, temperatures, the weather, timers, the time and the date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from wyoming_common.hass import EntityState
from wyoming_common.speech_text import join_names, spoken_number, spoken_quantity

from ..hass.models import ExposedEntity
from .resolve import HomeView

_OPENING_CLASSES = {"door", "window", "opening", "garage_door", "garage", "gate"}
_BINARY_WORDS = {
    "motion": ("detecting motion", "clear"),
    "occupancy": ("occupied", "clear"),
    "presence": ("home", "away"),
    "moisture": ("wet", "dry"),
    "lock": ("unlocked", "locked"),
}
_WEATHER = {
    "clear-night": "clear", "partlycloudy": "partly cloudy", "lightning-rainy": "stormy",
    "snowy-rainy": "sleeting", "windy-variant": "windy", "exceptional": "unusual",
}  # fmt: skip


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
            mode = state.state.replace("_", " ")
            return f"set to {mode}, {spoken_quantity(current, _unit(state))}"
    if entity.domain == "todo" and state.state.isdigit():
        count = int(state.state)
        return f"{count} item{'s' if count != 1 else ''} long"
    unit = state.attributes.get("unit_of_measurement")
    return spoken_quantity(state.state, unit) if unit else state.state.replace("_", " ")


def _unit(state: EntityState) -> str:
    return str(state.attributes.get("temperature_unit") or "°")


def _is(names: Sequence[str]) -> str:
    return "are" if len(names) > 1 else "is"


def _state_is(state: EntityState | None, wanted: Any) -> bool:
    if wanted is None:
        return True
    values = wanted if isinstance(wanted, list | tuple | set) else [wanted]
    return state is not None and state.state in {str(v) for v in values}


def answer_state(home: HomeView, entities: Sequence[ExposedEntity], wanted: Any, style: str) -> str:
    """HassGetState: one entity's state, a yes/no question, or any/all/which/how many."""
    matched = [e for e in entities if _state_is(home.state(e.entity_id), wanted)]
    names = sorted(e.name for e in matched)
    said_state = str(wanted[0] if isinstance(wanted, list) and wanted else wanted or "")
    if len(entities) == 1 and style in ("one", "default", "one_yesno"):
        entity = entities[0]
        words = state_words(entity, home.state(entity.entity_id))
        if wanted is not None:
            return "Yes." if matched else f"No, {entity.name} is {words}."
        return f"{entity.name} is {words}."
    if style == "how_many":
        return f"{spoken_number(len(names))}."
    if style == "all":
        missing = sorted(e.name for e in entities if e not in matched)
        return (
            "Yes." if not missing else f"No, {join_names(missing)} {_is(missing)} not {said_state}."
        )
    if style == "which":
        return f"{join_names(names)}." if names else "None of them."
    if wanted is not None:  # "any", or a yes/no question over several
        return f"Yes, {join_names(names)}." if names else "No."
    parts = [f"{e.name} is {state_words(e, home.state(e.entity_id))}" for e in entities[:4]]
    return ". ".join(parts) + "."


def answer_temperature(home: HomeView, entities: Sequence[ExposedEntity]) -> str | None:
    """A thermostat's current reading, else a temperature sensor's."""
    for entity in entities:
        state = home.state(entity.entity_id)
        if state is None:
            continue
        value: Any = state.state
        unit: Any = state.attributes.get("unit_of_measurement")
        if entity.domain == "climate":
            value, unit = state.attributes.get("current_temperature"), _unit(state)
        if value is None or value in ("unknown", "unavailable"):
            continue
        where = ""
        area = home.areas.get(entity.area_id or "")
        if area is not None:
            where = f" in the {area.name}"
        return f"It is {spoken_quantity(value, str(unit or '°'))}{where}."
    return None


def answer_weather(state: EntityState) -> str:
    """ "It is 22 degrees and sunny." from a weather entity's state."""
    condition = _WEATHER.get(state.state, state.state.replace("-", " "))
    temperature = state.attributes.get("temperature")
    if temperature is None:
        return f"It is {condition}."
    unit = state.attributes.get("temperature_unit")
    return f"It is {spoken_quantity(temperature, str(unit or '°'))} and {condition}."


def answer_timers(timers: Sequence[dict[str, Any]]) -> str:
    """HassTimerStatus's speech slots → "5 minutes and 3 seconds left on your timer."."""
    if not timers:
        return "No timers are running."
    parts = []
    for timer in timers[:3]:
        left = int(timer.get("total_seconds_left") or 0)
        hours, rest = divmod(left, 3600)
        minutes, seconds = divmod(rest, 60)
        units = [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
        said = [f"{n} {u}{'s' if n != 1 else ''}" for n, u in units if n]
        name = f" on the {timer['name']} timer" if timer.get("name") else ""
        paused = "" if timer.get("is_active", True) else ", paused"
        parts.append(f"{join_names(said) or '0 seconds'} left{name}{paused}")
    return ". ".join(parts).capitalize() + "."


def answer_time(now: datetime) -> str:
    """ "It is 3:05 PM."."""
    hour = now.hour % 12 or 12
    return f"It is {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."


def answer_date(now: datetime) -> str:
    """ "Today is Friday, November 21st."."""
    day = now.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"Today is {now:%A}, {now:%B} {day}{suffix}."
