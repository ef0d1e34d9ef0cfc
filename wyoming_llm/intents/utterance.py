"""What was said, prepared once for the grounding guard and the tools of a turn: words, stems,
numbers, colours, runs of words, and whether it asks, names devices or says "all"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .vocab import ALL_WORDS, COLORS, DEVICE_CLASS_WORDS, DOMAIN_WORDS, w
from .words import ARTICLES, contains_phrase, content_stems, numbers, stems, words

QUESTION_STARTS = w("is are was were does do did has have what whats which how hows who where when")
GENERIC = frozenset().union(*DOMAIN_WORDS.values(), *DEVICE_CLASS_WORDS.values())
PRONOUNS = frozenset({"it", "them", "that", "those", "this", "these", "they", "one"})


@dataclass(frozen=True)
class Utterance:
    """What was said, prepared once for every check."""

    text: str
    english: bool = True
    tokens: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()
    numbers: frozenset[float] = frozenset()

    @classmethod
    def of(cls, text: str, language: str = "en") -> Utterance:
        """Prepare text said in language."""
        return cls(
            text,
            language.split("-", maxsplit=1)[0].split("_", maxsplit=1)[0].lower() == "en",
            tuple(words(text)),
            tuple(stems(text)),
            frozenset(numbers(text)),
        )

    def has(self, phrase: str) -> bool:
        """True when the phrase's stems appear in order (plural-tolerant)."""
        return contains_phrase(list(self.stems), stems(phrase))

    def has_all(self, phrase: str) -> bool:
        """True when every content word of phrase appears somewhere."""
        wanted = content_stems(phrase)
        return bool(wanted) and set(wanted) <= set(self.stems)

    def spans(self, longest: int = 5) -> list[str]:
        """Runs of up to `longest` words said (free-text arguments must be one of them)."""
        found: list[str] = []
        for size in range(1, longest + 1):
            for start in range(len(self.tokens) - size + 1):
                run = self.tokens[start : start + size]
                if run[0] in ARTICLES or run[-1] in ARTICLES:
                    continue
                text = " ".join(run)
                if text not in found:
                    found.append(text)
        return found

    @property
    def colors(self) -> list[str]:
        """Colour names said ("light blue" → "lightblue"), as HA's HassLightSet takes them."""
        found: list[str] = []
        tokens = self.tokens
        for size in (3, 2, 1):
            for start in range(len(tokens) - size + 1):
                name = "".join(tokens[start : start + size])
                if name in COLORS and name not in found:
                    found.append(name)
        return found

    @property
    def kind_words(self) -> set[str]:
        """The words that name kinds of devices."""
        return set(self.stems) & GENERIC

    @property
    def is_question(self) -> bool:
        """True for "is the door locked?", "what's on", "are any lights on" (never an action;
        "can you turn on …" is a request, not a question)."""
        return bool(self.tokens) and self.tokens[0] in QUESTION_STARTS

    @property
    def says_all(self) -> bool:
        """True for "all the lights", "everywhere", "the whole house"."""
        return bool(set(self.stems) & ALL_WORDS)

    def stems_outside(self, names: Iterable[str]) -> frozenset[str]:
        """The stems said, less those inside a name of two or more words said in full ("vacuum"
        in "tell the Robot Vacuum to go home" names the device; a one-word name may also be a
        verb or a place: "vacuum the house" with a vacuum called Vacuum)."""
        spoken = list(self.stems)
        naming = [False] * len(spoken)
        for name in names:
            needle = stems(name)
            if len(content_stems(name)) < 2:
                continue
            for start in range(len(spoken) - len(needle) + 1):
                if spoken[start : start + len(needle)] == needle:
                    naming[start : start + len(needle)] = [True] * len(needle)
        return frozenset(stem for stem, named in zip(spoken, naming, strict=True) if not named)

    @property
    def refers_back(self) -> bool:
        """True for "turn it off", "close them"."""
        return bool(set(self.tokens) & PRONOUNS)
