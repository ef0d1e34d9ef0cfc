"""Questions about the home, asked through Home Assistant's query intents and answered only
from HA's answer and the live states of exposed entities."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from wyoming_common.hass import HomeAssistantConnectionError, HomeAssistantError, IntentResult

from ..hass.models import ExposedEntity
from ..turn import TurnContext
from . import answers, grounding, sentences
from .calls import CallResult, HaContext, IntentCall, Status, entity_ids, run_intent
from .catalog import IntentSpec
from .resolve import HomeView, Targets, entities_named, find_area, resolve
from .thermometers import is_thermometer
from .utterance import Utterance

_LOGGER = logging.getLogger(__name__)
UNREACHABLE = "Sorry, I can't reach Home Assistant right now."
NO_TEMPERATURE = "Sorry, the temperature is not available right now."


async def ask_home(
    ctx: HaContext, name: str, data: dict[str, Any], turn: TurnContext
) -> IntentResult | CallResult:
    """Run a query intent; a CallResult instead when HA cannot be asked."""
    try:
        return await run_intent(ctx, name, data, turn)
    except HomeAssistantConnectionError as err:
        _LOGGER.warning("%s: %s", name, err)
        return CallResult(Status.UNAVAILABLE, UNREACHABLE)
    except HomeAssistantError as err:
        _LOGGER.warning("%s rejected: %s", name, err)
        return CallResult(Status.FAILED, "Sorry, Home Assistant couldn't answer that.")


def _slots_for_ha(targets: Targets, call: IntentCall) -> dict[str, Any]:
    """HA's own spelling of what we resolved (its matching is exact)."""
    slots = {k: v for k, v in call.slots.items() if v not in (None, "", [])}
    if targets.entities and slots.get("name"):
        slots["name"] = targets.entities[0].name
    if targets.area is not None:
        slots["area"] = targets.area.name
    if targets.floor is not None:
        slots["floor"] = targets.floor.name
    return slots


async def query(
    ctx: HaContext,
    spec: IntentSpec,
    call: IntentCall,
    turn: TurnContext,
    *,
    said: Utterance | None,
    previous: Collection[str] = (),
) -> CallResult:
    """HassGetState, HassClimateGetTemperature, HassGetWeather."""
    if spec.name == "HassGetWeather":
        return await _weather(ctx, call, turn)
    if spec.name == "HassClimateGetTemperature":
        return await _temperature(ctx, spec, call, turn)
    targets = resolve(ctx.home, spec, call.slots, preferred_area=turn.area_id, everywhere=True)
    if not targets.ok:
        return CallResult(
            Status.NOT_FOUND, sentences.not_found(targets.error or "no_entity", targets.variables)
        )
    entities = targets.entities
    if said is not None:
        verdict = grounding.check(
            said, ctx.home, spec, call.slots, entities, speaker_area=turn.area_id, previous=previous
        )
        if not verdict.ok:
            return CallResult(Status.UNSURE, verdict.speech)
        entities = verdict.entities
    reply = await ask_home(ctx, spec.name, _slots_for_ha(targets, call), turn)
    if isinstance(reply, CallResult):
        return reply
    if not reply.ok:
        return CallResult(Status.FAILED, _ha_error(reply))
    confirmed = set(entity_ids(reply))
    # HA's answer names what it matched; our tolerant match covers plural/article variants.
    chosen = [e for e in entities if e.entity_id in confirmed] or list(entities)
    speech = answers.answer_state(ctx.home, chosen, call.slots.get("state"), call.style)
    return CallResult(Status.ANSWERED, speech, targets=tuple(e.entity_id for e in chosen))


def _ha_error(reply: IntentResult) -> str:
    return sentences.from_home_assistant(reply.speech)


async def _weather(ctx: HaContext, call: IntentCall, turn: TurnContext) -> CallResult:
    data = {"name": call.slots["name"]} if call.slots.get("name") else {}
    reply = await ask_home(ctx, "HassGetWeather", data, turn)
    if isinstance(reply, CallResult):
        return reply
    for entity_id in entity_ids(reply):
        state = ctx.home.state(entity_id)
        if entity_id in ctx.home.entities and state is not None:
            return CallResult(Status.ANSWERED, answers.answer_weather(state), targets=(entity_id,))
    return CallResult(Status.NOT_FOUND, "Sorry, I don't have any weather information.")


def _thermometers(
    ctx: HaContext, call: IntentCall, turn: TurnContext
) -> list[ExposedEntity] | None:
    """Thermostats and temperature sensors meant: named, in the area said, or here."""
    everything = [e for e in ctx.home.entities.values() if is_thermometer(e)]
    name = call.slots.get("name")
    if isinstance(name, str) and name:
        return entities_named(everything, name)
    area_text = call.slots.get("area")
    if area_text:
        area = find_area(ctx.home, area_text)
        if area is None:
            return None
        return [e for e in everything if e.area_id == area.area_id]
    here = [e for e in everything if turn.area_id and e.area_id == turn.area_id]
    climates = [e for e in everything if e.domain == "climate"]
    return here or climates or everything


async def _temperature(
    ctx: HaContext, spec: IntentSpec, call: IntentCall, turn: TurnContext
) -> CallResult:
    found = _thermometers(ctx, call, turn)
    if not found:
        return CallResult(Status.NOT_FOUND, "Sorry, I don't know the temperature there.")
    data = {"name": found[0].name} if call.slots.get("name") else {}
    if call.slots.get("area"):
        data["area"] = str(call.slots["area"])
    if turn.area_id:
        data["preferred_area_id"] = turn.area_id
    reply = await ask_home(ctx, spec.name, data, turn)
    if isinstance(reply, CallResult) and reply.status is Status.UNAVAILABLE:
        return reply
    return temperature_answer(ctx.home, found)


def temperature_answer(home: HomeView, found: Sequence[ExposedEntity]) -> CallResult:
    """The first reading of these thermometers that is available, said."""
    speech = answers.answer_temperature(home, found)
    if speech is None:
        return CallResult(Status.NOT_FOUND, NO_TEMPERATURE)
    return CallResult(Status.ANSWERED, speech, targets=tuple(e.entity_id for e in found))
