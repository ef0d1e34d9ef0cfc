"""Command grammars for pocketsphinx: phrase templates and names → a JSGF grammar.

Pure functions (no pocketsphinx import): the dictionary is reached through a lookup callable,
so grammars are built and tested without the recogniser.

Template syntax, one phrase per line: plain words, `[optional words]`, `(one | other)` and the
slot `{name}`, which stands for any of the names (HA entity names, areas, ...). Digits are
spoken (`5` → `five`), case and punctuation are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

NAME_SLOT = "{name}"

# Used when names are given but no phrase file: the commands people say to a smart home.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "turn (on | off) [the] {name}",
    "turn [the] {name} (on | off)",
    "switch (on | off) [the] {name}",
    "toggle [the] {name}",
    "(open | close | lock | unlock) [the] {name}",
    "(what is | what's) [the] {name}",
    "is [the] {name} (on | off | open | closed | locked | unlocked)",
)

WordLookup = Callable[[str], str | None]
"""Pronunciation (space-separated phones) of a word in the recogniser's dictionary, or None."""

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TOKEN = re.compile(r"\{name\}|[\[\]()|]|[^\s\[\]()|]+")
_SYNTAX = frozenset(("[", "]", "(", ")", "|"))
_NOT_WORD = re.compile(r"[^a-z0-9'\s]")
_MAX_COMPOUND_PARTS = 3


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
    return _compound(word, lookup, _MAX_COMPOUND_PARTS)


def _compound(word: str, lookup: WordLookup, parts_left: int) -> str | None:
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
            tail = _compound(rest, lookup, parts_left - 1)
        if tail is not None:
            return f"{head} {tail}"
    return None


@dataclass(frozen=True)
class Grammar:
    """A compiled JSGF grammar and what the dictionary needs for it."""

    jsgf: str
    new_words: dict[str, str]
    """Words to add to the dictionary, with their phones."""
    dropped_words: tuple[str, ...]
    """Words without a pronunciation; the phrases and names using them were left out."""
    phrase_count: int
    name_count: int


def tokenize_template(template: str) -> list[str]:
    """Split a template into syntax tokens and spoken words."""
    tokens: list[str] = []
    for token in _TOKEN.findall(template):
        if token == NAME_SLOT or token in _SYNTAX:
            tokens.append(token)
        else:
            tokens.extend(spoken_form(token).split())
    return tokens


def _check_balanced(tokens: Sequence[str]) -> bool:
    stack: list[str] = []
    pairs = {"]": "[", ")": "("}
    for token in tokens:
        if token in ("[", "("):
            stack.append(token)
        elif token in pairs and (not stack or stack.pop() != pairs[token]):
            return False
    return not stack


class _Resolver:
    """Resolves words once each, remembering new and unknown ones."""

    def __init__(self, lookup: WordLookup) -> None:
        self._lookup = lookup
        self.known: dict[str, bool] = {}
        self.new_words: dict[str, str] = {}
        self.dropped: set[str] = set()

    def ok(self, word: str) -> bool:
        if word not in self.known:
            direct = self._lookup(word)
            phones = direct
            if phones is None:
                phones = _compound(word, self._lookup, _MAX_COMPOUND_PARTS)
            self.known[word] = phones is not None
            if phones is None:
                self.dropped.add(word)
            elif direct is None:
                self.new_words[word] = phones
        return self.known[word]


def build_grammar(
    templates: Iterable[str], names: Iterable[str], lookup: WordLookup
) -> Grammar | None:
    """JSGF for the templates (DEFAULT_TEMPLATES when only names are given); None if empty."""
    resolver = _Resolver(lookup)
    name_phrases = _unique(spoken_form(name) for name in names)
    # Every word is checked (no short-circuit) so the log lists all unknown words at once.
    name_phrases = [p for p in name_phrases if p and all([resolver.ok(w) for w in p.split()])]
    template_list = [t.strip() for t in templates if t.strip()]
    if not template_list and name_phrases:
        template_list = list(DEFAULT_TEMPLATES)

    rules: list[str] = []
    for template in template_list:
        tokens = tokenize_template(template)
        words = [t for t in tokens if t not in _SYNTAX and t != NAME_SLOT]
        if not words and NAME_SLOT not in tokens:
            continue
        if NAME_SLOT in tokens and not name_phrases:
            continue
        if not _check_balanced(tokens) or not all([resolver.ok(w) for w in words]):
            continue
        body = " ".join("<name>" if t == NAME_SLOT else t for t in tokens)
        if body not in rules:
            rules.append(body)
    if not rules:
        return None

    lines = ["#JSGF V1.0;", "grammar commands;", "public <command> = " + " | ".join(rules) + ";"]
    if any("<name>" in rule for rule in rules):
        lines.append("<name> = " + " | ".join(name_phrases) + ";")
    return Grammar(
        jsgf="\n".join(lines) + "\n",
        new_words=dict(resolver.new_words),
        dropped_words=tuple(sorted(resolver.dropped)),
        phrase_count=len(rules),
        name_count=len(name_phrases) if any("<name>" in r for r in rules) else 0,
    )


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
