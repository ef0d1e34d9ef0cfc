"""Values turned into words for spoken answers: numbers, quantities with units, lists of names."""

from __future__ import annotations

from collections.abc import Iterable

# Units of Home Assistant states, as a voice should say them after a number.
UNIT_WORDS = {
    "°C": "degrees",
    "°F": "degrees",
    "°": "degrees",
    "%": "percent",
    "W": "watts",
    "kW": "kilowatts",
    "kWh": "kilowatt hours",
    "lx": "lux",
    "ppm": "parts per million",
    "hPa": "hectopascals",
    "km/h": "kilometers per hour",
    "mph": "miles per hour",
}


def spoken_number(value: float | int | str) -> str:
    """21.0 → "21", 21.50 → "21.5", 0.333333 → "0.33"; text that is no number is kept."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def spoken_quantity(value: float | int | str, unit: str | None) -> str:
    """A value with its unit in words: ("22.1", "°C") → "22.1 degrees"."""
    number = spoken_number(value)
    if not unit:
        return number
    return f"{number} {UNIT_WORDS.get(unit, unit)}"


def join_names(names: Iterable[str]) -> str:
    """["A", "B", "C"] → "A, B and C"."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
