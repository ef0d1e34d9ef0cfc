"""Intents that act on entities: resolve the targets, let the grounding guard, the policy and
the rate limit judge each one, then ask Home Assistant one entity at a time (so it acts on
exactly what was approved), read the states back, audit, and say what really happened."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from wyoming_common.hass import EntityState, HomeAssistantConnectionError, HomeAssistantError

from ..hass.models import ExposedEntity
from ..turn import TurnContext
from . import grounding, sentences
from .calls import CallResult, HaContext, IntentCall, Pending, Status, entity_ids, run_intent
from .catalog import IntentSpec
from .policy import PolicyDecision
from .resolve import entities_named, resolve
from .utterance import Utterance
from .verify import expectation

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntityOutcome:
    """One entity's part of an action."""

    entity: ExposedEntity
    status: Status
    state: EntityState | None = None


def own_args(spec: IntentSpec, slots: Mapping[str, Any]) -> dict[str, Any]:
    """The intent's own arguments (brightness, position …) from the slots."""
    return {key: slots[key] for key in spec.args if slots.get(key) not in (None, "")}


async def act(
    ctx: HaContext,
    spec: IntentSpec,
    call: IntentCall,
    turn: TurnContext,
    *,
    said: Utterance | None,
    previous: Collection[str] = (),
) -> CallResult:
    """Carry out a targeting intent (`said` is set for the model's calls: guard them)."""
    utterance = said or Utterance.of(turn.text, turn.language)
    targets = resolve(
        ctx.home,
        spec,
        call.slots,
        preferred_area=turn.area_id,
        everywhere=utterance.says_all,
    )
    if not targets.ok:
        key = targets.error or "no_entity"
        return CallResult(Status.NOT_FOUND, sentences.not_found(key, targets.variables))
    entities = targets.entities
    args = own_args(spec, call.slots)
    if said is not None:
        verdict = grounding.check(
            said, ctx.home, spec, call.slots, entities, speaker_area=turn.area_id, previous=previous
        )
        if not verdict.ok:
            _LOGGER.info("Not acting on %s %s: %s", spec.name, dict(call.slots), verdict.problem)
            return CallResult(Status.UNSURE, verdict.speech)
        entities = verdict.entities
    if spec.single_target and len(entities) > 1:
        return CallResult(Status.NOT_FOUND, sentences.not_found("ambiguous", {}))
    area = targets.area.name if targets.area else None
    return await act_on(ctx, spec, entities, args, turn, area_name=area)


async def act_on(
    ctx: HaContext,
    spec: IntentSpec,
    entities: tuple[ExposedEntity, ...],
    args: Mapping[str, Any],
    turn: TurnContext,
    *,
    confirmed: bool = False,
    area_name: str | None = None,
) -> CallResult:
    """Policy and rate limit per entity, then the calls, then one spoken summary."""
    groups: dict[str, list[ExposedEntity]] = {}
    for entity in entities:
        decision = ctx.policy.decide(entity, confirmed=confirmed)
        reason = {
            PolicyDecision.ALLOW: "allow",
            PolicyDecision.NEEDS_CONFIRMATION: "confirm",
            PolicyDecision.SENSITIVE_DENIED: "sensitive",
        }.get(decision, "not-allowed")
        if reason == "allow" and not ctx.limiter.try_acquire():
            reason = "rate-limited"
        groups.setdefault(reason, []).append(entity)
    for reason, refused in groups.items():
        if reason != "allow":
            for entity in refused:
                await _audit(ctx, turn, spec, entity, args=args, result=reason)
    outcomes = await asyncio.gather(
        *(_call_one(ctx, spec, entity, args, turn) for entity in groups.get("allow", []))
    )
    pending = tuple(Pending(spec.name, e.entity_id, dict(args)) for e in groups.get("confirm", []))
    return _summary(spec, list(outcomes), groups, args=args, pending=pending, area_name=area_name)


def target_data(ctx: HaContext, entity: ExposedEntity, turn: TurnContext) -> dict[str, Any]:
    """Slots that make HA pick exactly this entity: its name and domain, plus its area when
    another exposed entity shares the name (its id when even that is not enough)."""
    data: dict[str, Any] = {"name": entity.name, "domain": entity.domain}
    same = [
        e
        for e in entities_named(ctx.home.entities.values(), entity.name)
        if e.domain == entity.domain
    ]
    if len(same) > 1:
        area = ctx.home.areas.get(entity.area_id or "")
        same_area = [e for e in same if e.area_id == entity.area_id]
        if area is not None and len(same_area) == 1:
            data["area"] = area.name
        else:
            data["name"] = entity.entity_id
    if turn.area_id:
        data["preferred_area_id"] = turn.area_id
    return data


async def _call_one(
    ctx: HaContext,
    spec: IntentSpec,
    entity: ExposedEntity,
    args: Mapping[str, Any],
    turn: TurnContext,
) -> EntityOutcome:
    before = ctx.home.state(entity.entity_id)
    data = {**target_data(ctx, entity, turn), **args}
    status = Status.DONE
    try:
        reply = await run_intent(ctx, spec.name, data, turn)
    except HomeAssistantConnectionError as err:
        _LOGGER.warning("%s on %s: %s", spec.name, entity.entity_id, err)
        status = Status.UNAVAILABLE
    except HomeAssistantError as err:
        _LOGGER.warning("%s on %s rejected: %s", spec.name, entity.entity_id, err)
        status = Status.FAILED
    else:
        if not reply.ok or entity.entity_id in entity_ids(reply, failed=True):
            _LOGGER.info("%s on %s: %s", spec.name, entity.entity_id, reply.speech)
            status = Status.FAILED
    after = before
    if status is Status.DONE:
        status, after = await _verify(ctx, spec, entity, args, before)
    await _audit(ctx, turn, spec, entity, args=args, result=str(status), data=data)
    return EntityOutcome(entity, status, after)


async def _verify(
    ctx: HaContext,
    spec: IntentSpec,
    entity: ExposedEntity,
    args: Mapping[str, Any],
    before: EntityState | None,
) -> tuple[Status, EntityState | None]:
    check = expectation(spec.name, entity.domain, args)
    if check is None:
        return Status.DONE, ctx.home.state(entity.entity_id)

    def took_effect(state: EntityState) -> bool:
        return check(before, state)

    after = await ctx.home.wait_for_state(entity.entity_id, took_effect, ctx.verify_timeout)
    if after is not None and took_effect(after):
        return Status.DONE, after
    return Status.UNCHANGED, after


async def _audit(
    ctx: HaContext,
    turn: TurnContext,
    spec: IntentSpec,
    entity: ExposedEntity,
    *,
    args: Mapping[str, Any],
    result: str,
    data: Mapping[str, Any] | None = None,
) -> None:
    _LOGGER.info("%s on %s: %s", spec.name, entity.entity_id, result)
    await ctx.audit.record(
        conversation_id=turn.conversation_id,
        satellite_id=turn.satellite_id,
        device_id=turn.device_id,
        text=turn.text,
        action={"intent": spec.name, "entity_id": entity.entity_id, "args": dict(args)},
        request=dict(data) if data is not None else None,
        result={"status": result},
    )


_ORDER = ("unavailable", "rate-limited", "sensitive", "not-allowed", "failed")


def _summary(
    spec: IntentSpec,
    outcomes: list[EntityOutcome],
    groups: dict[str, list[ExposedEntity]],
    *,
    args: Mapping[str, Any],
    pending: tuple[Pending, ...],
    area_name: str | None,
) -> CallResult:
    done = [o for o in outcomes if o.status is Status.DONE]
    states = {o.entity.entity_id: o.state.state for o in done if o.state is not None}
    parts: list[str] = []
    if done:
        whole_area = (
            area_name if len(done) == len(outcomes) and not groups.keys() - {"allow"} else None
        )
        parts.append(sentences.done(spec.name, [o.entity for o in done], args, states, whole_area))
    for outcome in [o for o in outcomes if o.status is Status.UNCHANGED][:2]:
        state = outcome.state.state if outcome.state is not None else None
        parts.append(sentences.unchanged(spec.name, outcome.entity, state))
    failures = dict(groups)
    failures["failed"] = [o.entity for o in outcomes if o.status is Status.FAILED]
    failures["unavailable"] = [o.entity for o in outcomes if o.status is Status.UNAVAILABLE]
    for reason in (*_ORDER, "confirm"):
        if failures.get(reason):
            parts.append(sentences.refused(reason, spec.name, failures[reason]))
            if reason == "unavailable":
                break
    targets = tuple(o.entity.entity_id for o in outcomes) + tuple(p.entity_id for p in pending)
    return CallResult(_status(outcomes, failures, pending), " ".join(parts), pending, targets)


def _status(
    outcomes: list[EntityOutcome],
    failures: dict[str, list[ExposedEntity]],
    pending: tuple[Pending, ...],
) -> Status:
    if any(o.status is Status.DONE for o in outcomes):
        return Status.DONE
    if pending:
        return Status.CONFIRM
    if failures.get("unavailable"):
        return Status.UNAVAILABLE
    if any(o.status is Status.UNCHANGED for o in outcomes):
        return Status.UNCHANGED
    if failures.get("failed"):
        return Status.FAILED
    return Status.REFUSED
