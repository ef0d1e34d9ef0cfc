"""Numbers, units and symbols that voices read badly, spelled out ("21.5°C" → "21.5 degrees
Celsius", "$4.50" → "4 dollars and 50 cents", "5-10 min" → "5 to 10 minutes")."""

from __future__ import annotations

import re
from collections.abc import Callable

_NUMBER = r"\d+(?:[.,]\d+)*"

# unit → (singular, plural); matched right after a number, case-sensitive
_UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "m/s": ("meter per second", "meters per second"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "Wh": ("watt hour", "watt hours"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"),
    "W": ("watt", "watts"),
    "kV": ("kilovolt", "kilovolts"),
    "V": ("volt", "volts"),
    "mA": ("milliamp", "milliamps"),
    "A": ("amp", "amps"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "m²": ("square meter", "square meters"),
    "m2": ("square meter", "square meters"),
    "m³": ("cubic meter", "cubic meters"),
    "m3": ("cubic meter", "cubic meters"),
    "m": ("meter", "meters"),
    "mi": ("mile", "miles"),
    "ft": ("foot", "feet"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "g": ("gram", "grams"),
    "lbs": ("pound", "pounds"),
    "lb": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "L": ("liter", "liters"),
    "hPa": ("hectopascal", "hectopascals"),
    "mbar": ("millibar", "millibars"),
    "dB": ("decibel", "decibels"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "Hz": ("hertz", "hertz"),
    "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "ppm": ("part per million", "parts per million"),
    "µg/m³": ("microgram per cubic meter", "micrograms per cubic meter"),
    "μg/m³": ("microgram per cubic meter", "micrograms per cubic meter"),
    "lx": ("lux", "lux"),
    "ms": ("millisecond", "milliseconds"),
    "sec": ("second", "seconds"),
    "min": ("minute", "minutes"),
    "hrs": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "h": ("hour", "hours"),
}
_UNIT = re.compile(
    rf"(?<![\w.])({_NUMBER})\s?("
    + "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
    + r")(?![\w/²³])"
)
_TEMPERATURE = re.compile(rf"({_NUMBER})\s*(?:°|º|˚)\s*([CF])\b|({_NUMBER})\s*([℃℉])")
_DEGREES = re.compile(rf"({_NUMBER})\s*(?:°|º|˚)")
_PERCENT = re.compile(rf"({_NUMBER})\s*%")
_PER_MILLE = re.compile(rf"({_NUMBER})\s*‰")
_CURRENCY_BEFORE = re.compile(r"([$€£¥])\s?(\d+(?:,\d{3})*)(?:\.(\d{2}))?(?!\d)")
_CURRENCY_AFTER = re.compile(r"(?<![\w.])(\d+(?:,\d{3})*)(?:[.,](\d{2}))?\s?([€£¥])")
_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "sen", "sen"),
}
_RANGE = re.compile(
    r"(?<![\d.\-/:])(\d+(?:\.\d+)?)\s?[\u2013\u2014-]\s?(\d+(?:\.\d+)?)(?![\d\-/:])"
)
_NEGATIVE = re.compile(r"(?<![\w.])[-\u2212](?=\d)")
_PLUS = re.compile(r"(?<=\d)\s*\+\s*(?=\d)|(?<![\w+])\+(?=\d)")
_SIMPLE_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"(?<=\w)@(?=\w)"), " at "),
    (re.compile(r"\s@\s"), " at "),
    (re.compile(r"#(?=\d)"), "number "),
    (re.compile(r"[~≈](?=\s?\d)"), "about "),
    (re.compile(r"(?<=\d)\s?[x\u00d7]\s?(?=\d)"), " by "),
    (re.compile(r"\s=\s"), " equals "),
    (re.compile(r"\s<\s"), " less than "),
    (re.compile(r"\s>\s"), " more than "),
    (re.compile(r"\band/or\b"), "and or"),
    (re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])"), " or "),
    (re.compile(r"…"), "..."),
    (re.compile(r"[•·]"), ", "),
)


def _is_one(number: str) -> bool:
    return number in ("1", "1.0")


def _temperature(match: re.Match[str]) -> str:
    number = match.group(1) or match.group(3)
    scale = match.group(2) or ("C" if match.group(4) == "℃" else "F")
    degrees = "degree" if _is_one(number) else "degrees"
    return f"{number} {degrees} {'Celsius' if scale == 'C' else 'Fahrenheit'}"


def _unit(match: re.Match[str]) -> str:
    number, unit = match.group(1), match.group(2)
    singular, plural = _UNITS[unit]
    return f"{number} {singular if _is_one(number) else plural}"


def _range(match: re.Match[str]) -> str:
    low, high = match.group(1), match.group(2)
    if float(low) >= float(high) or (len(low) >= 3 and len(high) >= 4):
        return match.group(0)  # not a range: a difference, a phone or part number
    return f"{low} to {high}"


def _money(whole: str, cents: str | None, symbol: str) -> str:
    one, many, one_cent, many_cents = _CURRENCIES[symbol]
    spoken = f"{whole} {one if _is_one(whole) else many}"
    if cents and cents != "00":
        spoken += f" and {int(cents)} {one_cent if int(cents) == 1 else many_cents}"
    return spoken


def _replace(
    pattern: re.Pattern[str], func: Callable[[re.Match[str]], str]
) -> Callable[[str], str]:
    return lambda text: pattern.sub(func, text)


_NUMBER_RULES: tuple[Callable[[str], str], ...] = (
    _replace(_TEMPERATURE, _temperature),
    _replace(_DEGREES, lambda m: f"{m.group(1)} {'degree' if _is_one(m.group(1)) else 'degrees'}"),
    _replace(_PERCENT, lambda m: f"{m.group(1)} percent"),
    _replace(_PER_MILLE, lambda m: f"{m.group(1)} per mille"),
    _replace(_CURRENCY_BEFORE, lambda m: _money(m.group(2), m.group(3), m.group(1))),
    _replace(_CURRENCY_AFTER, lambda m: _money(m.group(1), m.group(2), m.group(3))),
    _replace(_RANGE, _range),
    _replace(_NEGATIVE, lambda m: "minus "),
    _replace(_PLUS, lambda m: " plus "),
    _replace(_UNIT, _unit),
)


def normalize_symbols(text: str) -> str:
    """Spell out temperatures, percentages, money, ranges, units and symbols."""
    for rule in _NUMBER_RULES:
        text = rule(text)
    for pattern, spoken in _SIMPLE_SYMBOLS:
        text = pattern.sub(spoken, text)
    return text
