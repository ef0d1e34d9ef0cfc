"""The one path from an intent (the fast path's or the model's) to Home Assistant."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from ..turn import TurnContext
from . import actions, chores, lists, queries, thermometers
from .calls import CallResult, HaContext, IntentCall, Pending, Status
from .catalog import Kind, intent_spec
from .slots import brightness_said, sanitize
from .utterance import Utterance

_LOGGER = logging.getLogger(__name__)
NOT_CONNECTED = "I'm not connected to Home Assistant."
UNREACHABLE = queries.UNREACHABLE


class IntentExecutor:
    """Carries out intent calls: local ones at once, the rest through Home Assistant.

    `ctx` is None when no Home Assistant is configured: then only local intents work.
    """

    def __init__(
        self, ctx: HaContext | None, *, clock: Callable[[], datetime] = datetime.now
    ) -> None:
        self.ctx = ctx
        self.clock = clock

    @property
    def connected(self) -> bool:
        """True while Home Assistant is reachable."""
        return self.ctx is not None and self.ctx.home.available

    def _home(self) -> HaContext | CallResult:
        """The context to reach Home Assistant, or why it cannot be reached."""
        ctx = self.ctx
        if ctx is None:
            return CallResult(Status.UNAVAILABLE, NOT_CONNECTED)
        if not ctx.home.available:
            return CallResult(Status.UNAVAILABLE, UNREACHABLE)
        return ctx

    def _english_home(self, said: Utterance) -> HaContext | None:
        """The context for English words when Home Assistant is there (the readings and
        phrasings below are English; without HA they fall through to the usual path)."""
        ctx = self.ctx
        return ctx if ctx is not None and ctx.home.available and said.english else None

    async def read_asked_list(self, said: Utterance) -> CallResult | None:
        """A to-do list's open items when English words ask for them (lists.py), read from
        Home Assistant (nothing changes); None when they do not, or HA is not there."""
        ctx = self._english_home(said)
        if ctx is None:
            return None
        entity = lists.asked_list(said.text, ctx.home.entities.values())
        return None if entity is None else await lists.read_list(ctx, entity)

    async def without_templates(self, said: Utterance, turn: TurnContext) -> CallResult | None:
        """What English words ask that HA's sentences did not cover and no model is needed
        for: an item checked off a list in other words ("mark milk as done on the shopping
        list", lists.py), a thermometer's reading by name (thermometers.py); else None."""
        ctx = self._english_home(said)
        if ctx is None:
            return None
        entities = ctx.home.entities.values()
        call = lists.asked_check_off(said.text, entities)
        if call is not None:
            return await self.run(call, turn, said=said)
        entity = thermometers.asked_thermometer(said, entities)
        return None if entity is None else queries.temperature_answer(ctx.home, [entity])

    async def run(
        self,
        call: IntentCall,
        turn: TurnContext,
        *,
        said: Utterance | None = None,
        previous: Collection[str] = (),
    ) -> CallResult:
        """Carry out one call. `said` (the model's calls) turns the grounding guard on."""
        spec = intent_spec(call.intent)
        if spec is None or (said is not None and not spec.tool):
            _LOGGER.info("Refusing unknown intent %s", call.intent)
            return CallResult(Status.FAILED, "Sorry, I can't do that.")
        if spec.kind is Kind.LOCAL:
            return chores.local_answer(spec, self.clock)
        ctx = self._home()
        if isinstance(ctx, CallResult):
            return ctx
        if said is not None:
            call = replace(call, slots=sanitize(said, ctx.home, call.slots))
            level = brightness_said(said, ctx.home, call.intent, call.slots)
            if level is not None and (light_set := intent_spec("HassLightSet")) is not None:
                call, spec = IntentCall("HassLightSet", level), light_set
        if spec.kind is Kind.TARGET:
            return await actions.act(ctx, spec, call, turn, said=said, previous=previous)
        if spec.kind is Kind.QUERY:
            return await queries.query(ctx, spec, call, turn, said=said, previous=previous)
        if spec.kind is Kind.TIMER:
            return await chores.timer(ctx, spec, call, turn, said=said)
        if spec.kind is Kind.LIST:
            return await chores.todo(ctx, spec, call, turn, said=said)
        if said is not None:
            return CallResult(Status.FAILED, "Sorry, I can't do that.")
        return await chores.hand_over(ctx, spec, call, turn)

    async def confirm(self, pending: Sequence[Pending], turn: TurnContext) -> CallResult:
        """Carry out actions this conversation proposed, now that the user said "confirm"."""
        ctx = self.ctx
        if ctx is None:
            return CallResult(Status.UNAVAILABLE, NOT_CONNECTED)
        results: list[CallResult] = []
        for intent in dict.fromkeys(p.intent for p in pending):
            spec = intent_spec(intent)
            group = [p for p in pending if p.intent == intent]
            entities = tuple(
                e for p in group if (e := ctx.home.entities.get(p.entity_id)) is not None
            )
            if spec is None or not entities:
                continue
            results.append(
                await actions.act_on(ctx, spec, entities, group[0].args, turn, confirmed=True)
            )
        if not results:
            return CallResult(Status.NOT_FOUND, "Sorry, that device is no longer available.")
        return merge(results)


def merge(results: Sequence[CallResult]) -> CallResult:
    """Several calls' results as one answer (handled when any did work or answered)."""
    if len(results) == 1:
        return results[0]
    speech = " ".join(r.speech for r in results if r.speech)
    pending = tuple(p for r in results for p in r.pending)
    targets = tuple(t for r in results for t in r.targets)
    statuses = [r.status for r in results]
    for status in (Status.DONE, Status.ANSWERED, Status.CONFIRM):
        if status in statuses:
            return CallResult(status, speech, pending, targets)
    return CallResult(statuses[0], speech, pending, targets)
