"""Several requests in one sentence: "turn off the TV and turn on the floor lamp", "turn on the
porch light and the dock lights". Split at "and", "then" and commas; a part without its own
verb borrows the verb of the part before ("turn on" … "the dock lights")."""

from __future__ import annotations

import re

from .intents.vocab import w
from .intents.words import words

_SPLIT = re.compile(
    r"\s*(?:,\s*(?:and\s+|then\s+)?|\s+and\s+then\s+|\s+then\s+|\s+and\s+|\s+also\s+)\s*", re.I
)
VERB_WORDS = w(
    "turn switch on off open close shut lock unlock set start stop pause resume unpause dim"
    " brighten raise lower activate deactivate run mute unmute play skip add put cancel"
    " increase decrease"
)


def verb_phrase(clause: str) -> str:
    """The leading command words of a clause ("turn on" of "turn on the porch light")."""
    lead: list[str] = []
    for word in clause.split():
        if word.casefold() not in VERB_WORDS:
            break
        lead.append(word)
    return " ".join(lead)


def split_clauses(text: str) -> list[str]:
    """The requests in text when there are several (each with a verb), else []."""
    parts = [part.strip(" .!?") for part in _SPLIT.split(text.strip()) if part.strip(" .!?")]
    if len(parts) < 2 or not verb_phrase(parts[0]):
        return []
    clauses: list[str] = []
    verb = ""
    for part in parts:
        own = verb_phrase(part)
        if own:
            verb = own
            clauses.append(part)
        elif verb and words(part):
            clauses.append(f"{verb} {part}")
        else:
            return []
    return clauses
