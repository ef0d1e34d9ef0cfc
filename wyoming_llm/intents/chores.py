"""Intents without entity targets: timers on the speaking device, to-do list items, the ones
handed to Home Assistant as said (broadcast, media search), and the ones that need no HA."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from wyoming_common.hass import IntentResult
from wyoming_common.speech_text import join_names, spoken_number

from ..turn import TurnContext
from . import answers, sentences
from .actions import own_args
from .calls import CallResult, HaContext, IntentCall, Status
from .catalog import IntentSpec
from .grounding import name_grounded, value_problem
from .policy import PolicyDecision
from .queries import ask_home
from .resolve import entities_named
from .utterance import Utterance

_LOGGER = logging.getLogger(__name__)
_TIMER_ERRORS = {
    "does not support timers": "Sorry, timers are not supported on this device.",
    "timer not found": "Sorry, I couldn't find that timer.",
    "multiple timers": "Sorry, I am unable to target multiple timers.",
}
_TIMER_DONE = {
    "HassCancelTimer": "Timer cancelled.",
    "HassPauseTimer": "Timer paused.",
    "HassUnpauseTimer": "Timer resumed.",
    "HassIncreaseTimer": "Added time to the timer.",
    "HassDecreaseTimer": "Removed time from the timer.",
}


def local_answer(spec: IntentSpec, clock: Callable[[], datetime]) -> CallResult:
    """Time, date and "never mind": no Home Assistant needed."""
    if spec.name == "HassGetCurrentTime":
        return CallResult(Status.ANSWERED, answers.answer_time(clock()))
    if spec.name == "HassGetCurrentDate":
        return CallResult(Status.ANSWERED, answers.answer_date(clock()))
    return CallResult(Status.ANSWERED, "")


def _duration(slots: Mapping[str, Any]) -> str:
    parts = []
    for key, unit in (("hours", "hour"), ("minutes", "minute"), ("seconds", "second")):
        value = slots.get(key)
        if isinstance(value, int | float) and value:
            number = spoken_number(value)
            parts.append(f"{number} {unit}{'' if number == '1' else 's'}")
    return join_names(parts)


def _named_like_its_area(
    spec: IntentSpec, slots: Mapping[str, Any], reply: IntentResult | CallResult
) -> bool:
    """A timer looked for by area that HA did not find, and no name given."""
    return (
        spec.name != "HassStartTimer"
        and isinstance(slots.get("area"), str)
        and "name" not in slots
        and not isinstance(reply, CallResult)
        and not reply.ok
        and "timer not found" in reply.speech.casefold()
    )


async def timer(
    ctx: HaContext, spec: IntentSpec, call: IntentCall, turn: TurnContext, *, said: Utterance | None
) -> CallResult:
    """A timer intent for the device that is speaking (HA rings it there)."""
    slots = {k: v for k, v in call.slots.items() if v not in (None, "")}
    if said is not None and value_problem(said, spec, slots) is not None:
        return CallResult(Status.UNSURE, "How long should the timer be?")
    if spec.name == "HassStartTimer" and not _duration(slots):
        return CallResult(Status.UNSURE, "How long should the timer be?")
    if spec.name != "HassTimerStatus" and not ctx.limiter.try_acquire():
        return CallResult(Status.REFUSED, sentences.refused("rate-limited", spec.name, []))
    reply = await ask_home(ctx, spec.name, slots, turn)
    if _named_like_its_area(spec, slots, reply):
        # HA's sentences read "cancel the sauna timer" as the timers of the Sauna area when
        # there is such an area; a timer may be named like one ("set a sauna timer")
        slots = {**{k: v for k, v in slots.items() if k != "area"}, "name": slots["area"]}
        reply = await ask_home(ctx, spec.name, slots, turn)
    await ctx.audit.record(
        conversation_id=turn.conversation_id,
        device_id=turn.device_id,
        satellite_id=turn.satellite_id,
        text=turn.text,
        action={"intent": spec.name, "args": slots},
        result={"status": reply.status if isinstance(reply, CallResult) else reply.response_type},
    )
    if isinstance(reply, CallResult):
        return reply
    if not reply.ok:
        lowered = reply.speech.casefold()
        speech = next((s for key, s in _TIMER_ERRORS.items() if key in lowered), None)
        return CallResult(Status.FAILED, speech or sentences.from_home_assistant(reply.speech))
    if spec.name == "HassStartTimer":
        named = f" named {slots['name']}" if slots.get("name") else ""
        return CallResult(Status.DONE, f"Timer set for {_duration(slots)}{named}.")
    if spec.name == "HassTimerStatus":
        return CallResult(
            Status.ANSWERED, answers.answer_timers(reply.speech_slots.get("timers") or [])
        )
    if spec.name == "HassCancelAllTimers":
        count = int(reply.speech_slots.get("canceled") or 0)
        text = (
            f"Cancelled {count} timer{'s' if count != 1 else ''}."
            if count
            else "No timers were cancelled."
        )
        return CallResult(Status.DONE if count else Status.ANSWERED, text)
    return CallResult(Status.DONE, _TIMER_DONE.get(spec.name, "Done."))


async def todo(
    ctx: HaContext, spec: IntentSpec, call: IntentCall, turn: TurnContext, *, said: Utterance | None
) -> CallResult:
    """Add or check off an item on an exposed to-do list."""
    lists = [e for e in ctx.home.entities.values() if e.domain == "todo"]
    name = call.slots.get("name")
    found = entities_named(lists, name) if isinstance(name, str) and name else []
    if not found and len(lists) == 1 and not name:
        found = lists
    if not found:
        return CallResult(
            Status.NOT_FOUND, sentences.not_found("no_entity", {"entity": str(name or "list")})
        )
    entity = found[0]
    item = str(call.slots.get("item") or "").strip()
    if not item:
        return CallResult(Status.UNSURE, "What should I add?")
    if said is not None:
        if value_problem(said, spec, {"item": item}) is not None:
            return CallResult(Status.UNSURE, "Sorry, which item do you mean?")
        if len(lists) > 1 and not name_grounded(said, entity):
            return CallResult(Status.UNSURE, "Which list do you mean?")
    decision = ctx.policy.decide(entity)
    if decision is not PolicyDecision.ALLOW:
        return CallResult(Status.REFUSED, sentences.refused("not-allowed", spec.name, [entity]))
    if not ctx.limiter.try_acquire():
        return CallResult(Status.REFUSED, sentences.refused("rate-limited", spec.name, [entity]))
    data = {"item": item, "name": entity.name, **own_args(spec, {})}
    reply = await ask_home(ctx, spec.name, data, turn)
    await ctx.audit.record(
        conversation_id=turn.conversation_id,
        text=turn.text,
        action={"intent": spec.name, "entity_id": entity.entity_id, "args": data},
        result={"status": reply.status if isinstance(reply, CallResult) else reply.response_type},
    )
    if isinstance(reply, CallResult):
        return reply
    if not reply.ok:
        if "not found" in reply.speech.casefold():
            return CallResult(
                Status.NOT_FOUND, f"Sorry, I couldn't find {item} on the {entity.name}."
            )
        return CallResult(Status.FAILED, sentences.from_home_assistant(reply.speech))
    if spec.name == "HassListAddItem":
        return CallResult(
            Status.DONE, f"Added {item} to the {entity.name}.", targets=(entity.entity_id,)
        )
    return CallResult(
        Status.DONE, f"Checked off {item} on the {entity.name}.", targets=(entity.entity_id,)
    )


async def hand_over(
    ctx: HaContext, spec: IntentSpec, call: IntentCall, turn: TurnContext
) -> CallResult:
    """An intent Home Assistant carries out as said (the fast path recognised it)."""
    if not ctx.limiter.try_acquire():
        return CallResult(Status.REFUSED, sentences.refused("rate-limited", spec.name, []))
    slots = {k: v for k, v in call.slots.items() if v not in (None, "")}
    if turn.area_id:
        slots["preferred_area_id"] = turn.area_id
    reply = await ask_home(ctx, spec.name, slots, turn)
    await ctx.audit.record(
        conversation_id=turn.conversation_id,
        text=turn.text,
        action={"intent": spec.name, "args": slots},
        result={"status": reply.status if isinstance(reply, CallResult) else reply.response_type},
    )
    if isinstance(reply, CallResult):
        return reply
    if not reply.ok:
        return CallResult(Status.FAILED, sentences.from_home_assistant(reply.speech))
    return CallResult(Status.DONE, reply.speech or "Done.")
