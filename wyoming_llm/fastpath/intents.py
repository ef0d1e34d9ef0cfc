"""The fast local path: recognise an intent with HA's templates and carry it out directly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from wyoming_common.worker import ModelWorker

from ..actions.executor import ActionExecutor, ActionRequest, ActionResult, ActionStatus
from ..hass.home import Home
from ..hass.models import ExposedEntity
from ..turn import TurnContext
from .matcher import HomeNames, IntentMatch, IntentMatcher
from .queries import answer_date, answer_state, answer_temperature, answer_time
from .responses import render_response
from .targets import ERROR_SENTENCES, Targets, resolve_targets

_LOGGER = logging.getLogger(__name__)

TIMER_INTENTS = frozenset(
    {
        "HassStartTimer", "HassCancelTimer", "HassCancelAllTimers", "HassTimerStatus",
        "HassPauseTimer", "HassUnpauseTimer", "HassIncreaseTimer", "HassDecreaseTimer",
    }
)  # fmt: skip
TIMER_TEXT = "Timers are handled by Home Assistant's own assistant."
# intent → (action kind, domains it applies to)
ACTION_INTENTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "HassTurnOn": ("turn_on", None),
    "HassTurnOff": ("turn_off", None),
    "HassToggle": ("toggle", None),
    "HassSetPosition": ("set_position", ("cover", "valve")),
    "HassMediaPause": ("media_pause", ("media_player",)),
    "HassMediaUnpause": ("media_play", ("media_player",)),
    "HassMediaNext": ("media_next", ("media_player",)),
    "HassMediaPrevious": ("media_previous", ("media_player",)),
    "HassSetVolume": ("set_volume", ("media_player",)),
    "HassClimateSetTemperature": ("set_temperature", ("climate",)),
}
_VALUE_SLOTS = {
    "set_position": "position",
    "set_volume": "volume_level",
    "set_temperature": "temperature",
}
# Media commands without a name go to the players in this state.
_MEDIA_STATES = {
    "media_pause": "playing",
    "media_next": "playing",
    "media_previous": "playing",
    "media_play": "paused",
}


@dataclass(frozen=True)
class FastPathAnswer:
    """What the fast path says, and what it did or wants confirmed."""

    speech: str
    handled: bool = True
    results: tuple[ActionResult, ...] = ()
    pending: tuple[ActionRequest, ...] = ()
    intent: str = ""


class FastPath:
    """Recognises commands with HA's sentence templates and executes them without the LLM."""

    def __init__(
        self,
        matcher: IntentMatcher,
        worker: ModelWorker,
        home: Home | None,
        executor: ActionExecutor | None,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.matcher = matcher
        self.worker = worker
        self.home = home
        self.executor = executor
        self._clock = clock

    def _names(self) -> HomeNames:
        home = self.home
        if home is None:
            return HomeNames(0, (), (), ())
        return HomeNames(
            home.generation,
            tuple(home.entities.values()),
            tuple(home.areas.values()),
            tuple(home.floors.values()),
        )

    async def recognise(self, turn: TurnContext) -> IntentMatch | None:
        """The intent in the turn's text, if HA's templates know it."""
        area = None
        if self.home is not None and turn.area_id:
            area = self.home.areas.get(turn.area_id)
        return await self.worker.run(
            self.matcher.match, turn.text, turn.language, self._names(), area
        )

    async def answer(self, turn: TurnContext) -> FastPathAnswer | None:
        """Handle the turn, or None when the templates do not cover it (ask the LLM)."""
        match = await self.recognise(turn)
        if match is None:
            return None
        _LOGGER.debug("Fast path matched %s %s", match.intent, match.slots)
        if match.intent in TIMER_INTENTS:
            return FastPathAnswer(TIMER_TEXT, handled=False, intent=match.intent)
        if match.intent == "HassNevermind":
            return FastPathAnswer("", intent=match.intent)
        if match.intent == "HassGetCurrentTime":
            return FastPathAnswer(answer_time(self._clock()), intent=match.intent)
        if match.intent == "HassGetCurrentDate":
            return FastPathAnswer(answer_date(self._clock()), intent=match.intent)
        home = self.home
        if home is None or self.executor is None:
            return None
        responses = self._responses(match)
        if match.intent == "HassGetState":
            targets = resolve_targets(home, match)
            if targets.error:
                return self._error(targets, responses)
            return FastPathAnswer(
                answer_state(home, match, targets, responses), intent=match.intent
            )
        if match.intent == "HassClimateGetTemperature":
            targets = resolve_targets(home, match, ("climate", "sensor"))
            spoken = answer_temperature(home, match, targets)
            if spoken is None:
                variables = {"domain": "thermometer", "area": _area_name(home, match)}
                return self._error(
                    Targets(error="no_domain_in_area", variables=variables), responses
                )
            return FastPathAnswer(spoken, intent=match.intent)
        if match.intent == "HassLightSet":
            return await self._act(turn, match, _light_kind(match.slots), ("light",), responses)
        if match.intent in ACTION_INTENTS:
            kind, domains = ACTION_INTENTS[match.intent]
            return await self._act(turn, match, kind, domains, responses)
        return None  # recognised, but not something the fast path does (weather, lists...)

    def _responses(self, match: IntentMatch) -> dict[str, Any]:
        return self.matcher.responses(match.language)

    def _error(self, targets: Targets, responses: dict[str, Any]) -> FastPathAnswer:
        key = targets.error or "no_entity"
        rendered = render_response((responses.get("errors") or {}).get(key), targets.variables)
        fallback = ERROR_SENTENCES.get(key, "Sorry, I couldn't find that device")
        return FastPathAnswer(rendered or fallback.format(**targets.variables), intent=key)

    async def _act(
        self,
        turn: TurnContext,
        match: IntentMatch,
        kind: tuple[str, Any] | str | None,
        domains: tuple[str, ...] | None,
        responses: dict[str, Any],
    ) -> FastPathAnswer | None:
        assert self.home is not None and self.executor is not None
        if kind is None:
            return None
        action, value = kind if isinstance(kind, tuple) else (kind, None)
        if action in _VALUE_SLOTS:
            value = match.slots.get(_VALUE_SLOTS[action])
        targets = self._media_targets(match, action) or resolve_targets(self.home, match, domains)
        if targets.error:
            targets = self._only_one_in_home(match, domains) or targets
        if targets.error:
            return self._error(targets, responses)
        requests = [ActionRequest(action, e.entity_id, value) for e in targets.entities]
        executor = self.executor
        results = await asyncio.gather(*(executor.execute(r, turn) for r in requests))
        pending = tuple(r.request for r in results if r.status is ActionStatus.NEEDS_CONFIRMATION)
        speech = self._speech(match, targets.entities, results, responses)
        return FastPathAnswer(speech, results=tuple(results), pending=pending, intent=match.intent)

    def _only_one_in_home(
        self, match: IntentMatch, domains: tuple[str, ...] | None
    ) -> Targets | None:
        """The speaker's room has none, but the home has exactly one: "set the temperature"."""
        if not match.area_from_context or match.slots.get("name") or self.home is None:
            return None
        unplaced = replace(match, slots={k: v for k, v in match.slots.items() if k != "area"})
        targets = resolve_targets(self.home, unplaced, domains)
        return targets if len(targets.entities) == 1 else None

    def _media_targets(self, match: IntentMatch, action: str) -> Targets | None:
        """Nameless media commands: the speaker's room first, else whatever is playing."""
        if action not in _MEDIA_STATES or match.slots.get("name") or self.home is None:
            return None
        if match.slots.get("area") and not match.area_from_context:
            return None
        players = [e for e in self.home.entities.values() if e.domain == "media_player"]
        here = [e for e in players if e.area_id and e.area_id == match.slots.get("area")]
        if here:
            return Targets(tuple(here))
        wanted = _MEDIA_STATES[action]
        active = [e for e in players if (s := self.home.state(e.entity_id)) and s.state == wanted]
        if active:
            return Targets(tuple(active))
        return Targets(error="entity_wrong_state", variables={"state": wanted})

    def _speech(
        self,
        match: IntentMatch,
        entities: tuple[ExposedEntity, ...],
        results: list[ActionResult],
        responses: dict[str, Any],
    ) -> str:
        if results and all(result.ok for result in results):
            variables = {"slots": self._slot_variables(match, entities)}
            template = (
                (responses.get("intents") or {}).get(match.intent, {}).get(match.response_key)
            )
            rendered = render_response(template, variables)
            if rendered:
                return rendered
        failed = [r for r in results if not r.ok]
        shown = failed or results
        sentences = [r.speech for r in shown[:3]]
        if failed and len(failed) < len(results):
            sentences.append("The rest worked")
        if len(shown) > 3:
            sentences.append(f"and {len(shown) - 3} more")
        return ". ".join(sentences)

    def _slot_variables(
        self, match: IntentMatch, entities: tuple[ExposedEntity, ...]
    ) -> dict[str, Any]:
        variables: dict[str, Any] = dict(match.slot_texts)
        for key, value in match.slots.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                variables[key] = value
        if len(entities) == 1:
            variables["name"] = entities[0].name
        if self.home is not None:
            variables["area"] = _area_name(self.home, match) or variables.get("area", "")
        return variables


def _area_name(home: Home, match: IntentMatch) -> str:
    area = home.areas.get(str(match.slots.get("area", "")))
    return area.name if area else ""


def _light_kind(slots: dict[str, Any]) -> tuple[str, Any] | None:
    if "brightness" in slots:
        return "set_brightness", slots["brightness"]
    if "color" in slots:
        return "set_color", slots["color"]
    if "temperature" in slots:
        return "set_color_temp", slots["temperature"]
    return None
