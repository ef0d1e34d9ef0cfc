"""Phrases the agent answers before anything else: stop, confirm, and whether words are about
devices at all (for the answers when Home Assistant or the model is missing)."""

from __future__ import annotations

import re

from .intents.utterance import GENERIC, Utterance
from .intents.vocab import w

STOP_PHRASES = frozenset(
    {"stop", "stop it", "never mind", "nevermind", "cancel", "cancel that", "forget it"}
)
_CONFIRM = re.compile(r"\bconfirm(ed)?\b")
_NEGATION = re.compile(r"\b(don't|do not|no|not|cancel)\b")
COMMAND_WORDS = w(
    "turn switch open close shut lock unlock dim brighten pause resume unpause mute unmute"
    " volume raise lower activate deactivate start timer vacuum skip add"
)


def normalize(text: str) -> str:
    """Lower case, punctuation removed, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def is_stop_phrase(text: str) -> bool:
    """ "Stop", "never mind", "cancel" … end the turn at once."""
    return normalize(text) in STOP_PHRASES


def is_confirmation(text: str) -> bool:
    """The follow-up that releases a sensitive action: contains "confirm", no negation."""
    words = normalize(text)
    return bool(_CONFIRM.search(words)) and not _NEGATION.search(words)


def looks_like_command(said: Utterance) -> bool:
    """True when the words are about devices (for answers when HA or the model is missing)."""
    return bool(set(said.stems) & (COMMAND_WORDS | GENERIC))


def asks_something(text: str) -> bool:
    """True when a reply ends with a question (the user is expected to answer)."""
    return text.rstrip().endswith("?")
