"""Replies in the language of the sentence: Home Assistant's own response templates (the
`responses` of home-assistant-intents), rendered with Jinja2's sandbox as HA does, from what
was actually done or read. The English sentences of the executor are the fallback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..intents.answers import state_words
from ..intents.calls import CallResult
from ..intents.resolve import HomeView
from .matcher import IntentMatch

_LOGGER = logging.getLogger(__name__)


def _environment() -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)


def _variables(match: IntentMatch, result: CallResult, home: HomeView) -> dict[str, Any]:
    slots: dict[str, Any] = {**match.slots, **match.slot_texts}
    for key, value in match.slots.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            slots[key] = value
    entities = [home.entities[e] for e in result.targets if e in home.entities]
    if len(entities) == 1:
        slots["name"] = entities[0].name
    wanted = match.slots.get("state")
    matched: list[dict[str, str]] = []
    unmatched: list[dict[str, str]] = []
    for entity in entities:
        state = home.state(entity.entity_id)
        hit = wanted is None or (state is not None and state.state == str(wanted))
        (matched if hit else unmatched).append({"name": entity.name})
    variables: dict[str, Any] = {
        "slots": slots,
        "query": {"matched": matched, "unmatched": unmatched},
    }
    if len(entities) == 1:
        state = home.state(entities[0].entity_id)
        variables["state"] = {
            "state": state.state if state else "",
            "state_with_unit": state_words(entities[0], state),
        }
    return variables


def localized(
    responses: Mapping[str, Any], match: IntentMatch, result: CallResult, home: HomeView
) -> str | None:
    """HA's reply for a match that was carried out, or None (no template, or it failed)."""
    template = ((responses.get("intents") or {}).get(match.intent) or {}).get(match.response_key)
    if not isinstance(template, str) or not result.handled:
        return None
    try:
        text = _environment().from_string(template).render(**_variables(match, result, home))
    except Exception as err:  # a template HA renders with more context than we have
        _LOGGER.debug("Response template of %s not rendered: %s", match.intent, err)
        return None
    text = " ".join(text.split())
    return text or None
