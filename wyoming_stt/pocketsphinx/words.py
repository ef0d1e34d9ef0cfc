"""Words as they are spoken: numbers in words, text in spoken form, pronunciations from parts.

Pure functions (no pocketsphinx import); the dictionary is reached through a lookup callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

WordLookup = Callable[[str], str | None]
"""Pronunciation (space-separated phones) of a word in the recogniser's dictionary, or None."""

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NOT_WORD = re.compile(r"[^a-z0-9'\s]")
MAX_COMPOUND_PARTS = 3


def number_words(number: int) -> str:
    """Spoken English for 0 ≤ number < 1 000 000 (`75` → `seventy five`)."""
    if number < 0 or number >= 1_000_000:
        raise ValueError(f"number out of range: {number}")
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def spoken_form(text: str) -> str:
    """Lower case, digits as words, no punctuation (apostrophes inside words kept)."""
    lowered = text.lower().replace("%", " percent ")
    lowered = re.sub(r"(\d+)\.5\b", r"\1 and a half", lowered)
    lowered = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} ", lowered)
    cleaned = _NOT_WORD.sub(" ", lowered)
    words = [word.strip("'") for word in cleaned.split()]
    return " ".join(word for word in words if word)


def resolve_pronunciation(word: str, lookup: WordLookup) -> str | None:
    """Phones for word: from the dictionary, or joined from dictionary words it is made of.

    `ecobee` is not in the CMU dictionary but `eco` + `bee` are. Returns None when no
    pronunciation can be built (the caller leaves out what uses the word).
    """
    phones = lookup(word)
    if phones is not None:
        return phones
    return compound(word, lookup, MAX_COMPOUND_PARTS)


def compound(word: str, lookup: WordLookup, parts_left: int) -> str | None:
    if parts_left == 0:
        return None
    # Longest first part first: fewer, longer pieces sound closer to the real word.
    for end in range(len(word) - 2, 1, -1):
        head = lookup(word[:end])
        if head is None:
            continue
        rest = word[end:]
        tail = lookup(rest) if len(rest) >= 2 else None
        if tail is None and parts_left > 1:
            tail = compound(rest, lookup, parts_left - 1)
        if tail is not None:
            return f"{head} {tail}"
    return None
