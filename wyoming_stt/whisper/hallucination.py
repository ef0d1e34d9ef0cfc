"""Ways Whisper writes text the audio does not hold, recognised in what it wrote.

1. **Prompt echo**: with names in its initial prompt and unclear audio, Whisper writes the list
   back instead of the speech ("Kitchen Lights, Kitchen, Standing Light," for "turn on the hot
   tub"; "Door, office, Bedroom, New York, Office" for "turn on the Office Fan").
2. **Loop**: the same word or phrase three times in a row ("1, 2, 3, 4, 5, 5, 5, 5, 5" for
   "what is the Outdoor Humidity"; "Hello, how are you? Hello, how are you? Hello, how are
   you? Hello, how").

The batch decodes such a window again without the prompt (batch.py); a loop that is still
there is cut after its first time round. A third, the whole utterance said again ("Turn on the
TV. Turn on the TV."), is folded (drop_repetition). Pure functions on strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .snapping import edit_distance

ECHO_MIN_NAMES = 2
"""Clauses that are exactly a name of the prompt, at least, and at least half the clauses."""
LOOP_REPEATS = 3
LOOP_MAX_WORDS = 6
"""The longest phrase looked for as a loop."""
_WORD = re.compile(r"[\w']+")
_CLAUSE = re.compile(r"[,.;:!?]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def echoes_prompt(text: str, prompt_items: Iterable[str]) -> bool:
    """Whether text is mostly the prompt's names, listed: each clause (between commas and
    full stops) exactly one name. A command naming two devices in one clause is not."""
    names = {" ".join(_words(item)) for item in prompt_items}
    names.discard("")
    clauses = [" ".join(_words(c)) for c in _CLAUSE.split(text)]
    clauses = [c for c in clauses if c]
    echoed = sum(1 for clause in clauses if clause in names)
    return echoed >= ECHO_MIN_NAMES and 2 * echoed >= len(clauses)


def loop_start(text: str) -> tuple[int, int] | None:
    """(first word, phrase length) of the first phrase said LOOP_REPEATS times in a row."""
    words = _words(text)
    for start in range(len(words)):
        for size in range(1, LOOP_MAX_WORDS + 1):
            end = start + size * LOOP_REPEATS
            if end > len(words):
                break
            phrase = words[start : start + size]
            if all(
                words[start + k * size : start + (k + 1) * size] == phrase
                for k in range(1, LOOP_REPEATS)
            ):
                return start, size
    return None


def hallucinated(text: str, prompt_items: Iterable[str]) -> bool:
    """A prompt echo or a loop."""
    return loop_start(text) is not None or echoes_prompt(text, prompt_items)


def cut_loop(text: str) -> str:
    """The text up to the end of the loop's first time round (unchanged without a loop)."""
    found = loop_start(text)
    if found is None:
        return text
    start, size = found
    matches = list(_WORD.finditer(text))
    return text[: matches[start + size - 1].end()].strip(" ,")


def drop_repetition(text: str) -> str:
    """`Turn on the TV. Turn on the TV.` → `Turn on the TV.`: a command is said once.

    Whisper sometimes says the whole utterance again: an exact repeat of the whole text is
    folded, and so is a first clause that the next clause repeats almost word for word
    (`Close the windows, Closed the windows, Closed the` → `Close the windows`).
    """
    clauses = re.split(r"(?<=[,.!?])\s+", text.strip())
    if len(clauses) >= 2 and _nearly_same(clauses[0], clauses[1]):
        return clauses[0].rstrip(" ,")
    words = _words(text)
    count = len(words)
    for times in range(count, 1, -1):  # the shortest repeated unit first
        if count % times:
            continue
        size = count // times
        if words[:size] * times == words:
            return _first_words(text, size)
    return text


def _nearly_same(first: str, second: str) -> bool:
    a, b = " ".join(_words(first)), " ".join(_words(second))
    if len(a) < 6 or not b:
        return False
    return edit_distance(a, b) <= 0.2 * len(a)


def _first_words(text: str, count: int) -> str:
    matches = list(_WORD.finditer(text))
    end = matches[count - 1].end()
    rest = text[end:]
    tail = rest[0] if rest[:1] in (".", "?", "!") else ""
    return (text[:end] + tail).strip(" ,")
