"""Text for the ear: no markdown, no lists, no emoji, numbers and units as they are spoken."""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKUP = re.compile(r"[*_`#>|~]+|\[|\]|\(https?://[^)]*\)")
_BULLET = re.compile(r"(^|\n)\s*(?:[-•+]|\d+[.)])\s+")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
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


def clean_for_speech(text: str) -> str:
    """Remove markdown, bullets and emoji; collapse whitespace."""
    text = _BULLET.sub(r"\1", text)
    text = _MARKUP.sub("", text)
    text = _EMOJI.sub("", text)
    return _SPACES.sub(" ", text).strip()


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


def count_sentences(text: str) -> int:
    """Number of finished sentences in text."""
    return len(_SENTENCE_END.findall(text))


class SpeechStream:
    """Turns streamed model text into clean, word-aligned chunks for TTS.

    Text is released at whitespace so a chunk never splits a word; `full` tells the producer
    to stop once `max_sentences` sentences are complete (answers are for the ear).
    """

    def __init__(self, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences
        self._pending = ""
        self._spoken: list[str] = []
        self.full = False

    @property
    def text(self) -> str:
        """Everything released so far."""
        return "".join(self._spoken).strip()

    def feed(self, delta: str) -> str:
        """Add model text; returns the clean text that can be spoken now ("" if none)."""
        if self.full:
            return ""
        self._pending += delta
        cut = max(self._pending.rfind(" "), self._pending.rfind("\n"))
        if cut <= 0:
            return ""
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._release(ready)

    def finish(self) -> str:
        """Release what is left."""
        rest, self._pending = self._pending, ""
        return "" if self.full else self._release(rest)

    def _release(self, raw: str) -> str:
        spoken_before = self.text
        cleaned = clean_for_speech(raw)
        if not cleaned:
            return ""
        done = count_sentences(spoken_before)
        words: list[str] = []
        for word in cleaned.split(" "):
            words.append(word)
            if _SENTENCE_END.search(word) and done + 1 >= self.max_sentences:
                self.full = True
                break
            if _SENTENCE_END.search(word):
                done += 1
        chunk = " ".join(words)
        if spoken_before:
            chunk = " " + chunk
        self._spoken.append(chunk)
        return chunk
