"""Near-miss names snapped to the house's names: "turn on the bad light" → "... Bed Light".

Whisper knows the names from its prompt but still mishears some. A run of words in the
transcript that sounds like exactly one known name (entity, alias, area) — close in spelling
and in a rough phonetic key — is replaced by that name. Deliberately conservative, because a
wrong snap turns a right transcript into a wrong command:
- a run never starts or ends with a function word ("the light" is never "Bed Light");
- it must be close in letters (at most a quarter of them differ) *and* in sound (phonetic keys
  at most one edit apart), or sound the same (equal keys) with at most a third of the letters
  different ("EcoB" for "EcoBee": Whisper drops and changes vowels more than consonants);
- exactly one name may be that close (ambiguity: nothing changes);
- words that already are (part of) a known name are never touched; the name spelled apart
  ("eco-bee", "H vac") becomes the name.
Checked on every reference transcript of the benchmark sets: no snap changes one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_LETTER_DISTANCE = 0.25
MAX_KEY_DISTANCE = 1
MAX_LETTER_DISTANCE_SAME_KEY = 1 / 3
MAX_RUN_WORDS = 4
_LOOSEST = max(MAX_LETTER_DISTANCE, MAX_LETTER_DISTANCE_SAME_KEY)
FUNCTION_WORDS = frozenset((
    "a", "an", "the", "my", "our", "your", "his", "her", "its", "their", "this", "that",
    "these", "those", "all", "every", "each", "some", "any", "on", "off", "in", "at", "to",
    "of", "for", "from", "by", "with", "and", "or", "but", "is", "are", "was", "be", "it",
    "me", "i", "you", "we", "they", "up", "down", "what", "what's", "how", "set", "turn",
    "switch", "open", "close", "lock", "unlock", "start", "stop",
))  # fmt: skip
_WORD = re.compile(r"[A-Za-z0-9']+")


def letters(text: str) -> str:
    """Lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def phonetic_key(text: str) -> str:
    """A rough sound key: similar-sounding spellings map alike, vowels after the first dropped."""
    word = letters(text)
    for old, new in (
        ("ph", "f"), ("ck", "k"), ("dg", "j"), ("gh", "g"), ("sh", "x"), ("ch", "x"),
        ("th", "0"), ("wh", "w"), ("q", "k"), ("z", "s"), ("v", "f"),
    ):  # fmt: skip
        word = word.replace(old, new)
    word = re.sub(r"c(?=[eiy])", "s", word).replace("c", "k")
    if not word:
        return ""
    head, tail = word[0], re.sub(r"[aeiouyhw]", "", word[1:])
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)


def edit_distance(first: str, second: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class _Name:
    text: str
    letters: str
    key: str
    words: int


class NameSnapper:
    """Replaces near-miss names in transcripts with the one known name they sound like."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = [
            _Name(name, letters(name), phonetic_key(name), len(_WORD.findall(name)))
            for name in dict.fromkeys(n.strip() for n in names if letters(n))
        ]
        self._known_words = {
            word.lower() for name in self._names for word in _WORD.findall(name.text)
        }

    def snap(self, text: str) -> str:
        """text with each unambiguous near-miss name replaced (case of the name kept)."""
        if not self._names:
            return text
        matches = list(_WORD.finditer(text))
        replaced: list[tuple[int, int, str]] = []
        index = 0
        while index < len(matches):
            best = self._best_run(matches, index)
            if best is None:
                index += 1
                continue
            end, name = best
            replaced.append((matches[index].start(), matches[end - 1].end(), name))
            index = end
        for start, end, name in reversed(replaced):
            text = text[:start] + name + text[end:]
        return text

    def _best_run(self, matches: list[re.Match[str]], start: int) -> tuple[int, str] | None:
        """The longest run from start that snaps to exactly one name: (end index, name)."""
        first = matches[start].group().lower()
        if first in FUNCTION_WORDS:
            return None
        for end in range(min(len(matches), start + MAX_RUN_WORDS), start, -1):
            words = [m.group().lower() for m in matches[start:end]]
            if words[-1] in FUNCTION_WORDS:
                continue
            if all(word in self._known_words for word in words):
                continue  # already the house's words: nothing to fix
            name = self._closest(" ".join(words), len(words))
            if name is not None:
                return end, name
        return None

    def _closest(self, run: str, run_words: int) -> str | None:
        run_letters, run_key = letters(run), phonetic_key(run)
        close: list[tuple[float, str]] = []
        for name in self._names:
            if abs(name.words - run_words) > 1 or len(run_letters) < 3:
                continue
            if run_letters == name.letters:
                return name.text  # the name itself, spelled apart ("eco-bee", "H vac")
            if abs(len(run_letters) - len(name.letters)) > _LOOSEST * len(name.letters) + 1e-9:
                continue  # the lengths alone differ more than any near miss may (fast path)
            distance = edit_distance(run_letters, name.letters) / max(len(name.letters), 1)
            keys = edit_distance(run_key, name.key)
            near = distance <= MAX_LETTER_DISTANCE and keys <= MAX_KEY_DISTANCE
            if not near and not (keys == 0 and distance <= MAX_LETTER_DISTANCE_SAME_KEY + 1e-9):
                continue
            close.append((distance, name.text))
        if len(close) != 1:
            return None
        return close[0][1]
