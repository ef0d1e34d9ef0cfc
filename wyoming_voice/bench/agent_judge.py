"""Judging one sentence: the changes observed in the home against the test's expectations,
and the agent's reply against what a Home Assistant user expects.

Outcomes, worst first:
- `error`: no answer (connection lost, timeout, Wyoming `error` event);
- `wrong_action`: something changed that was not asked for (another entity, another key, or
  the expected key to another value) — the number the benchmark exists to drive to zero;
- `no_match`: an expected change did not happen, or a request that should succeed ended in
  `not-handled`;
- `false_success`: `handled` where a refusal / not-found was right (`expect_error: true`);
- `wrong_answer`: the reply lacks every phrase of `reply_contains`;
- `passed`.

Some keys change as a side effect of the change asked for and are tolerated on an expected
entity: a light's colour display keys (`color_mode`, `hs_color`, `rgb_color`, `xy_color`),
and when the state flips, a light's brightness/colour temperature, a fan's percentage, a
cover's or valve's position; a thermostat's `hvac_action`; a to-do list's `state` (a count)
when its items are expected; a timer device's count, names and running flags when its timers
are expected (the `seconds` decide).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .agent_cases import ANY_VALUE, TIMERS_DOMAIN, Case, state_text

OUTCOMES = ("passed", "wrong_action", "no_match", "false_success", "wrong_answer", "error")
_LIGHT_DISPLAY = {"color_mode", "hs_color", "rgb_color", "xy_color"}
_ON_OFF_SIDE_EFFECTS = {
    "light": {"brightness", "color_temp_kelvin", "color_temp", "effect"},
    "fan": {"percentage"},
    "cover": {"current_position"},
    "valve": {"current_position"},
}


@dataclass(frozen=True)
class Reply:
    """What the agent answered (or why it did not)."""

    text: str = ""
    handled: bool = False
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Verdict:
    """The outcome of one sentence and why."""

    outcome: str
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def judge(
    case: Case,
    changes: Mapping[str, Mapping[str, Any]],
    reply: Reply,
    final: Mapping[str, Mapping[str, Any]] | None = None,
) -> Verdict:
    """Compare observed `changes` (entity → {key: new value}) and the reply with the case.

    `final` (the snapshot afterwards) lets an expectation that already held count as met.
    """
    observed = _without_ignored(case, changes)
    wrong, missing = _compare(case, observed, final or {})
    if reply.error is not None:
        return Verdict("error", observed, [reply.error, *wrong, *missing])
    if wrong:
        return Verdict("wrong_action", observed, wrong + missing)
    if missing:
        return Verdict("no_match", observed, missing)
    if case.expect_error is True and reply.handled:
        return Verdict("false_success", observed, ["handled, but a refusal was expected"])
    if case.expect_error is False and not reply.handled:
        return Verdict("no_match", observed, [f"not handled: {reply.text!r}"])
    if case.reply_contains and not any(_says(reply.text, p) for p in case.reply_contains):
        return Verdict("wrong_answer", observed, [f"reply lacks {list(case.reply_contains)}"])
    return Verdict("passed", observed)


def _without_ignored(
    case: Case, changes: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for entity_id, values in changes.items():
        ignored = set(case.ignore_changes.get(entity_id, ()))
        kept = {k: v for k, v in values.items() if k not in ignored and ANY_VALUE not in ignored}
        if kept:
            result[entity_id] = kept
    return result


def _compare(
    case: Case,
    observed: Mapping[str, Mapping[str, Any]],
    final: Mapping[str, Mapping[str, Any]],
) -> tuple[list[str], list[str]]:
    """(wrong changes, missing changes)."""
    wrong: list[str] = []
    missing: list[str] = []
    for entity_id, values in observed.items():
        expected = case.expect_changes.get(entity_id)
        if expected is None:
            wrong.append(f"{entity_id} changed {dict(values)} but was not to be touched")
            continue
        tolerated = _tolerated(entity_id, expected, values)
        for key, value in values.items():
            if key in expected:
                if not _matches(key, expected[key], value):
                    wrong.append(f"{entity_id}.{key} became {value!r}, expected {expected[key]!r}")
            elif key not in tolerated:
                wrong.append(f"{entity_id}.{key} became {value!r} (not asked for)")
    for entity_id, expected in case.expect_changes.items():
        values = observed.get(entity_id, {})
        now = final.get(entity_id, {})
        for key, value in expected.items():
            held = value != ANY_VALUE and key in now and _matches(key, value, now[key])
            if key not in values and not held:
                missing.append(f"{entity_id}.{key} did not become {value!r}")
    return wrong, missing


def _tolerated(entity_id: str, expected: Mapping[str, Any], values: Mapping[str, Any]) -> set[str]:
    domain = entity_id.split(".", 1)[0]
    tolerated: set[str] = set()
    if domain == "light":
        tolerated |= _LIGHT_DISPLAY
    if "state" in values and domain in _ON_OFF_SIDE_EFFECTS:
        tolerated |= _ON_OFF_SIDE_EFFECTS[domain]
    if domain == "climate":
        tolerated.add("hvac_action")
    if domain == "todo" and ({"items", "completed"} & set(expected)):
        tolerated.add("state")
    if domain == TIMERS_DOMAIN and ({"state", "seconds", "names", "active"} & set(expected)):
        # The timers' count, names and running flags follow from the timers asked for: an
        # unnamed new timer is `names: [None]`, `active: [True]`; `seconds` still decides.
        tolerated |= {"state", "names", "active"}
    return tolerated


def _matches(key: str, expected: Any, observed: Any) -> bool:
    """Equal as a Home Assistant user means it (text case-insensitive, lists as lists)."""
    if expected == ANY_VALUE:
        return True
    if key == "state":
        return state_text(expected).casefold() == state_text(observed).casefold()
    return _equal(expected, observed)


def _equal(expected: Any, observed: Any) -> bool:
    if isinstance(expected, bool) or isinstance(observed, bool):
        return expected is observed
    if isinstance(expected, int | float) and isinstance(observed, int | float):
        return math.isclose(expected, observed, rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(expected, str) and isinstance(observed, str):
        return expected.strip().casefold() == observed.strip().casefold()
    if isinstance(expected, list | tuple) and isinstance(observed, list | tuple):
        return len(expected) == len(observed) and all(
            _equal(e, o) for e, o in zip(expected, observed, strict=True)
        )
    return bool(expected == observed)


def _says(text: str, phrase: str) -> bool:
    """The phrase as whole words, case-insensitive."""
    pattern = r"(?<!\w)" + re.escape(phrase.strip().casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None
