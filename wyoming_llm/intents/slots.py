"""A model's call arguments, tidied before the guard checks them: kinds in HA's spelling,
no area/floor/device class the words did not say, and timer durations in the units said."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .resolve import HomeView, entities_named, find_area, find_floor
from .utterance import Utterance
from .vocab import DEVICE_CLASS_WORDS
from .words import ARTICLES, content_stems, numbers


def duration_said(said: Utterance, unit_key: str, value: float) -> bool:
    """True when the words give this much of this unit: the number *and* the unit ("7
    minutes" grounds minutes=7, not hours=7), or an idiom ("half an hour", "a minute")."""
    if value == 0:
        return True
    unit = unit_key.rstrip("s")
    if value in said.numbers and unit in said.stems:
        return True
    if value == 1 and (said.has(f"a {unit}") or said.has(f"an {unit}")):
        return True
    if unit == "minute" and value == 30 and said.has("half an hour"):
        return True
    return unit == "minute" and value == 15 and said.has("quarter of an hour")


DURATION_KEYS = ("hours", "minutes", "seconds")
_DURATION_WORDS = frozenset(
    ("hour", "hours", "minute", "minutes", "second", "seconds", "and", "a", "an", "half", "timer")
)


def _tidy_timer(said: Utterance, clean: dict[str, Any]) -> None:
    """Models repeat the one number said in every unit (7 minutes → 7 h 7 min 7 s): drop the
    units the words do not give when some unit is given. A name is not the duration: "egg
    timer" is the timer "egg", "10 minute pasta" the timer "pasta"; a name that was only the
    duration ("7 minutes") is the word the user put before "timer" ("an egg timer"), or none."""
    values = {k: clean[k] for k in DURATION_KEYS if isinstance(clean.get(k), int | float)}
    given = {k for k, v in values.items() if v and duration_said(said, k, float(v))}
    if given:
        for key in values.keys() - given:
            clean.pop(key)
    name = clean.get("name")
    if values and isinstance(name, str):
        parts = name.split()
        if any(numbers(part) for part in parts):  # the duration: its numbers and units go
            parts = [part for part in parts if not _duration_word(part)]
        elif parts and parts[-1].casefold() == "timer":
            parts.pop()
        clean["name"] = " ".join(parts) or _word_before_timer(said)
        if not clean["name"]:
            clean.pop("name")


def _duration_word(word: str) -> bool:
    return word.casefold() in _DURATION_WORDS or bool(numbers(word))


def _word_before_timer(said: Utterance) -> str:
    """The word right before "timer" when it is a name ("an egg timer"; not "a 10 minute
    timer", "a timer", "set timer")."""
    tokens = said.tokens
    for index in range(1, len(tokens)):
        before = tokens[index - 1]
        if tokens[index] == "timer" and before not in ARTICLES and not _duration_word(before):
            return before if index >= 2 and tokens[index - 2] in ARTICLES else ""
    return ""


def _said_place(said: Utterance, names: tuple[str, ...]) -> bool:
    return any(said.has_all(n) for n in names if n)


def _add_place_said(said: Utterance, home: HomeView, clean: dict[str, Any]) -> None:
    """A call for a kind of device without a place gets the one area (or floor) the words
    name outside device names ("the kitchen" in "the Kitchen Light" names the light)."""
    if (
        clean.get("area")
        or clean.get("floor")
        or not (clean.get("domain") or clean.get("device_class"))
    ):
        return
    free = said.stems_outside(n for e in home.entities.values() for n in e.names)

    def named(names: tuple[str, ...]) -> bool:
        return any(said.has(n) and set(content_stems(n)) <= free for n in names if n)

    areas = [a.name for a in home.areas.values() if named((a.name, *a.aliases))]
    floors = [f.name for f in home.floors.values() if named((f.name, *f.aliases))]
    if len(areas) == 1 and not floors:
        clean["area"] = areas[0]
    elif len(floors) == 1 and not areas:
        clean["floor"] = floors[0]


def brightness_said(
    said: Utterance, home: HomeView, intent: str, slots: Mapping[str, Any]
) -> dict[str, Any] | None:
    """HassLightSet's slots for a model's HassTurnOn of lights said with one percentage ("turn
    on the chandelier at 20 percent": HA's HassLightSet turns it on at that brightness); None
    when it is not that."""
    if intent != "HassTurnOn" or not said.english or "brightness" in slots:
        return None
    if "percent" not in said.stems and not any(t.endswith("%") for t in said.tokens):
        return None
    levels = [n for n in said.numbers if 0 <= n <= 100]
    name = slots.get("name")
    named = entities_named(home.entities.values(), name) if isinstance(name, str) else []
    lights = slots.get("domain") == "light" if not name else bool(named)
    if len(levels) != 1 or not lights or any(e.domain != "light" for e in named):
        return None
    return {**slots, "brightness": levels[0]}


def sanitize(said: Utterance, home: HomeView, slots: Mapping[str, Any]) -> dict[str, Any]:
    """A model's slots, tidied: kinds in HA's spelling ("Light" → "light"); with a name
    given, no area, floor or device class the words did not say (models add them freely;
    HA would then find nothing); with only a kind given, the one place the words name
    (a small model drops "in the great room")."""
    clean: dict[str, Any] = dict(slots)
    for key in ("domain", "device_class"):
        if isinstance(clean.get(key), str):
            clean[key] = clean[key].strip().casefold().replace(" ", "_")
    if isinstance(clean.get("name"), str):
        clean["name"] = clean["name"].replace("_", " ")
    _tidy_timer(said, clean)
    if not clean.get("name"):
        _add_place_said(said, home, clean)
        return clean
    area = find_area(home, clean.get("area"))
    if clean.get("area") and (area is None or not _said_place(said, (area.name, *area.aliases))):
        clean.pop("area")
    floor = find_floor(home, clean.get("floor"))
    if clean.get("floor") and (
        floor is None or not _said_place(said, (floor.name, *floor.aliases))
    ):
        clean.pop("floor")
    device_class = clean.get("device_class")
    if isinstance(device_class, str) and not (
        DEVICE_CLASS_WORDS.get(device_class, frozenset()) & set(said.stems)
    ):
        clean.pop("device_class")
    return clean
