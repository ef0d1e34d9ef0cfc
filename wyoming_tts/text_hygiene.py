"""Text as it should be spoken: markdown and emoji from a language model removed, and numbers,
units and symbols that voices read badly spelled out ("21.5°C" → "21.5 degrees Celsius").

Pure functions; `clean_for_speech` applies them all to one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# -- markdown ---------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_URL = re.compile(r"\bhttps?://(?:www\.)?([^\s/?#)]+)[^\s)]*")
_FENCE_LINE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s*(?:>\s?)+", re.MULTILINE)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•‣◦]|\d{1,3}[.)])\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_=])(?:\s*\1){2,}\s*$", re.MULTILINE)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~(.+?)~~")
_CODE = re.compile(r"`+([^`]*)`+")


def strip_markdown(text: str) -> str:
    """Markdown to plain text: keep what a reader would see, drop the markup."""
    text = _FENCE_LINE.sub("", text)
    text = _HTML_TAG.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(r"\1", text)
    text = _TABLE_SEPARATOR.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADER.sub("", text)
    text = _QUOTE.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = text.replace("|", ", ")
    text = re.sub(r"(?<=\w)_(?=\w)", " ", text)  # snake_case
    return re.sub(r"[*`_]+|~~|~(?!\s?\d)|\[\[|\]\]", " ", text)  # stray markup


# -- emoji ------------------------------------------------------------------------------------

_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, symbols & pictographs
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u2300-\u23ff"  # technical (⌚ ⏰ ⏩)
    "\u2b00-\u2bff"  # arrows and stars (⭐ ⬆)
    "\u2190-\u21ff"  # arrows
    "\ufe0e\ufe0f\u200d\u20e3"  # variation selectors, zero-width joiner, keycap
    "\U000e0020-\U000e007f"  # tag characters (flag sequences)
    "\u00a9\u00ae\u2122"  # © ® ™
    "]+"
)


def strip_emoji(text: str) -> str:
    """Remove emoji and pictographic symbols (never spoken as their names)."""
    return _EMOJI.sub(" ", text)


# -- numbers, units and symbols ---------------------------------------------------------------

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


# -- all together -----------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA = re.compile(r"(?:,\s*){2,}")


def tidy_whitespace(text: str) -> str:
    """One space between words, none before punctuation, no empty lines."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    text = " ".join(line for line in lines if line)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(", ", text)
    return text.strip(" ,;:")


def clean_for_speech(text: str) -> str:
    """Everything above, in order; returns "" when nothing speakable is left."""
    text = strip_markdown(text)
    text = normalize_symbols(text)
    text = strip_emoji(text)
    text = tidy_whitespace(text)
    return text if any(char.isalnum() for char in text) else ""
