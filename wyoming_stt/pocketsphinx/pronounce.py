# ruff: noqa: RUF001 - IPA symbols are the point of this module
"""A pronunciation for every word of a name: the dictionary, parts, letters, or espeak-ng.

The CMU dictionary lacks many names people give devices ("RGBW", "HVAC", "Ecobee"). Without a
pronunciation a word cannot be in the grammar and the names using it were dropped. Now, in
order: the dictionary; dictionary words it is made of (`ecobee` = `eco` + `bee`); for an
acronym (written in capitals in the name) its letters one by one (`R G B W`) with espeak-ng's
reading as a second pronunciation (`HVAC` as "aitch-vac"); otherwise espeak-ng's phonemes
(`espeak-ng -q --ipa`) mapped to the CMU phone set. Which words were derived, and how, is
kept for the log.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .words import MAX_COMPOUND_PARTS, compound

_LOGGER = logging.getLogger(__name__)

WordLookup = Callable[[str], str | None]

LETTERS = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY",
    "u": "Y UW", "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip

# IPA as espeak-ng writes it for English → CMU (ARPAbet) phones. Longest symbols first.
IPA_TO_CMU = {
    "aɪə": "AY ER", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "əʊ": "OW", "ɔɪ": "OY",
    "ɪə": "IH R", "eə": "EH R", "ʊə": "UH R", "tʃ": "CH", "dʒ": "JH", "ɑːɹ": "AA R",
    "ɔːɹ": "AO R", "ɜːɹ": "ER", "ɚ": "ER", "ɝ": "ER", "iː": "IY", "i": "IY", "ɪ": "IH",
    "ᵻ": "IH", "ɛ": "EH", "e": "EH", "æ": "AE", "a": "AE", "ɑː": "AA", "ɑ": "AA", "ɒ": "AA",
    "ɔː": "AO", "ɔ": "AO", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɜː": "ER", "ɜ": "ER", "uː": "UW",
    "u": "UW", "ʊ": "UH", "o": "OW", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K",
    "ɡ": "G", "g": "G", "f": "F", "v": "V", "θ": "TH", "ð": "DH", "s": "S", "z": "Z",
    "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N", "ŋ": "NG", "l": "L", "ɫ": "L",
    "ɹ": "R", "r": "R", "w": "W", "j": "Y", "ɾ": "T", "x": "K", "ç": "HH",
}  # fmt: skip
_IGNORED = set("ˈˌːˑ‿-. '̩̃")
_SYMBOLS = sorted(IPA_TO_CMU, key=len, reverse=True)
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")


def ipa_to_cmu(ipa: str) -> str | None:
    """CMU phones for an IPA string, or None when a symbol has no equivalent."""
    phones: list[str] = []
    position = 0
    while position < len(ipa):
        if ipa[position] in _IGNORED or ipa[position].isspace():
            position += 1
            continue
        symbol = next((s for s in _SYMBOLS if ipa.startswith(s, position)), None)
        if symbol is None:
            return None
        phones.append(IPA_TO_CMU[symbol])
        position += len(symbol)
    return " ".join(phones) or None


def acronyms(names: Iterable[str]) -> frozenset[str]:
    """Words written in capitals in the names (`RGBW`, `HVAC`), lower case."""
    found = set()
    for name in names:
        for word in re.split(r"[^A-Za-z]+", name):
            if _ACRONYM.match(word):
                found.add(word.lower())
    return frozenset(found)


def spelled(word: str) -> str | None:
    """The letters one by one (`rgbw` → AA R JH IY B IY D AH B AH L Y UW)."""
    if not word.isalpha() or not word.isascii():
        return None
    return " ".join(LETTERS[letter] for letter in word.lower())


def espeak_phones(word: str, command: str = "espeak-ng") -> str | None:
    """espeak-ng's American English reading of word in CMU phones (None without espeak-ng)."""
    if shutil.which(command) is None:
        return None
    try:
        result = subprocess.run(
            [command, "-q", "--ipa", "-v", "en-us", word],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return ipa_to_cmu(result.stdout.strip())


@dataclass
class Pronouncer:
    """Derives the pronunciations the dictionary lacks (`derive`), remembering how."""

    lookup: WordLookup
    acronym_words: frozenset[str] = frozenset()
    espeak: Callable[[str], str | None] = espeak_phones
    derived: dict[str, str] = field(default_factory=dict)
    """word → how its pronunciation was made (for the log)."""
    alternatives: dict[str, str] = field(default_factory=dict)
    """word(2) → second pronunciation (e.g. an acronym read as a word)."""

    def derive(self, word: str) -> str | None:
        """Phones for a word the dictionary lacks, or None."""
        if word in self.acronym_words:
            letters = spelled(word)
            reading = self.espeak(word)
            if reading and reading != letters:
                self.alternatives[f"{word}(2)"] = reading
            self.derived[word] = "letters" + (" + espeak-ng" if reading else "")
            return letters
        parts = compound(word, self.lookup, MAX_COMPOUND_PARTS)
        if parts is not None:
            self.derived[word] = "dictionary parts"
            return parts
        reading = self.espeak(word)
        if reading is not None:
            self.derived[word] = "espeak-ng"
        return reading
