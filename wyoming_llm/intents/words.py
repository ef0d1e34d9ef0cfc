"""Words of an utterance: normalisation, plural folding and the numbers said.

Used by name matching (plural/singular tolerant, articles ignored) and by the grounding guard
(numbers must come from the words). English number words; digits work in every language.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[^\w\s'%.,-]|(?<!\d)[.,](?!\d)|(?<!\w)-|-(?!\w)")
_APOSTROPHE = re.compile(r"'s\b|'")
ARTICLES = frozenset({"the", "a", "an", "my", "our", "your", "all", "every", "of"})
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
# Words that stand for a number in commands ("full brightness", "half an hour").
NUMBER_WORDS = {"half": 50, "full": 100, "max": 100, "maximum": 100, "hundred": 100}
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def normalize(text: str) -> str:
    """Case-folded, punctuation removed (decimal points and percent kept), single spaces."""
    text = _PUNCTUATION.sub(" ", text.casefold().replace("\u2019", "'"))
    return " ".join(text.split())


def singular(word: str) -> str:
    """A simple English singular: lights → light, switches → switch, batteries → battery."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def plural(word: str) -> str:
    """A simple English plural: light → lights, switch → switches, battery → batteries."""
    if not word or not word[-1].isalpha():
        return word
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("ch", "sh", "s", "x", "z")):
        return word + "es"
    return word + "s"


def words(text: str) -> list[str]:
    """The normalised words, apostrophes removed ("what's" → "whats", "bob's" → "bob")."""
    return _APOSTROPHE.sub("", normalize(text)).split()


def stems(text: str) -> list[str]:
    """Words folded to their singular, for plural-tolerant comparison."""
    return [singular(word) for word in words(text)]


def content_stems(text: str) -> list[str]:
    """Stems without articles and possessives."""
    return [stem for stem in stems(text) if stem not in ARTICLES]


def name_key(text: str) -> str:
    """The key two spellings of one name share: "the Standing Lights" ~ "standing light"."""
    return " ".join(content_stems(text))


def name_variants(name: str) -> set[str]:
    """The name with its last word in singular and plural form (for sentence matching)."""
    parts = name.strip().split()
    if not parts:
        return set()
    head, last = parts[:-1], parts[-1]
    variants = {name.strip()}
    if last.isalpha() and len(last) > 2:
        for form in (singular(last.casefold()), plural(singular(last.casefold()))):
            variants.add(" ".join([*head, form]))
    return variants


def contains_phrase(haystack: list[str], needle: list[str]) -> bool:
    """True when needle's words appear in haystack in order and adjacent."""
    if not needle:
        return False
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def _word_number(tokens: list[str], start: int) -> tuple[float, int] | None:
    """A number spelled in words at tokens[start]: (value, words used)."""
    word = tokens[start]
    if word in _TENS:
        value, used = _TENS[word], 1
        following = tokens[start + 1] if start + 1 < len(tokens) else ""
        if following in _UNITS and following not in ("a", "an"):
            value, used = value + _UNITS[following], 2
        return float(value), used
    if word in _UNITS and word not in ("a", "an"):
        return float(_UNITS[word]), 1
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word]), 1
    return None


def numbers(text: str) -> set[float]:
    """Every number the words say: digits ("21.5", "50%"), English words ("twenty five"),
    "and a half" added to the number before it, and "half"/"full"/"max"."""
    found: set[float] = set()
    for match in _NUMBER.finditer(text):
        found.add(float(match.group().replace(",", ".")))
    tokens = words(text.replace("-", " "))
    index = 0
    previous: float | None = None
    while index < len(tokens):
        if tokens[index : index + 3] == ["and", "a", "half"] and previous is not None:
            found.add(previous + 0.5)
            index += 3
            continue
        parsed = _word_number(tokens, index)
        if parsed is None:
            index += 1
            continue
        value, used = parsed
        if index + used < len(tokens) and tokens[index + used] == "hundred" and value < 10:
            value, used = value * 100, used + 1
        found.add(value)
        previous = value
        index += used
    return found
