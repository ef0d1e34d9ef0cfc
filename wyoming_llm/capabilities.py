""" "What can you do?": answered from what this agent can really do in this home.

A small model asked this reads its own instructions back ("I control the home only through the
tools"); the answer here names the kinds of devices that are exposed and that the action
policy allows, and what else works (timers, lists, questions)."""

from __future__ import annotations

import re
from collections.abc import Collection

from wyoming_common.speech_text import join_names

from .hass.models import ExposedEntity
from .intents.policy import ActionPolicy, PolicyDecision
from .phrases import normalize

_ASKS = re.compile(
    r"(?:what|which things) (?:else )?(?:can|could) (?:you|i ask you) (?:do|help(?: me)? with)"
    r"(?: for me)?|what can i ask(?: you)?|what are you able to do|what do you do|help|help me"
)
# What each domain's devices are called in the answer, in the order they are listed.
_KINDS = (
    ("light", "lights"),
    ("switch", "switches"),
    ("fan", "fans"),
    ("cover", "blinds"),
    ("climate", "the heating"),
    ("media_player", "media players"),
    ("lock", "locks"),
    ("vacuum", "the vacuum"),
    ("valve", "valves"),
    ("lawn_mower", "the mower"),
    ("scene", "scenes"),
)
_KIND_DOMAINS = frozenset(domain for domain, _words in _KINDS)
_STATE_DOMAINS = frozenset({"sensor", "binary_sensor", "weather"})
_USABLE = (PolicyDecision.ALLOW, PolicyDecision.NEEDS_CONFIRMATION)


def asks_capabilities(text: str) -> bool:
    """ "What can you do?", "What can I ask you?"-like questions, and "help"."""
    return _ASKS.fullmatch(normalize(text)) is not None


def capability_answer(
    entities: Collection[ExposedEntity] | None, policy: ActionPolicy, *, has_model: bool
) -> str:
    """One or two sentences on what works here (entities: None without Home Assistant)."""
    more = ["answer short questions"] if has_model else []
    if entities is None:
        only = join_names(["set timers", *more])
        return f"I'm not connected to Home Assistant, so I can only {only}."
    kinds = [
        words
        for domain, words in _KINDS
        if any(e.domain == domain and policy.decide(e) in _USABLE for e in entities)
    ]
    parts = [f"control your {join_names(kinds)}"] if kinds else []
    if any(e.domain in _STATE_DOMAINS or e.domain in _KIND_DOMAINS for e in entities):
        parts.append("tell you how things are")
    if any(e.domain == "todo" for e in entities):
        parts.append("add to your lists")
    return f"I can {join_names([*parts, 'set timers', *more])}."
