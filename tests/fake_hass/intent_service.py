"""Intents that act on matched entities through services (HA's `DynamicServiceIntentHandler`
and its subclasses): on/off/toggle, positions, lights, fans, media players, vacuums."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import intent_slots as sl
from .colors import color_name_to_rgb
from .errors import HouseError
from .intent import IntentCall, IntentHandleError, IntentResponse, target
from .intent_match import Constraints, MatchFailedError, MatchResult, Preferences, match_targets

if TYPE_CHECKING:
    from .house import State

Route = Callable[[IntentCall, "State"], tuple[str, str]]
SlotMap = dict[str, tuple[str, sl.Validator]]  # slot -> (service data key, validator)


@dataclass
class ServiceIntent:
    """An intent that calls one service per matched entity."""

    intent_type: str
    domain: str
    service: str
    required_domains: frozenset[str] | None = None
    required_features: int | None = None
    required_states: frozenset[str] | None = None
    device_classes: tuple[str, ...] | None = None
    required_slots: SlotMap = field(default_factory=dict)
    optional_slots: SlotMap = field(default_factory=dict)

    def schema(self) -> dict[Any, sl.Slot]:
        """The slot schema."""
        schema = sl.target_schema(self.required_domains, self.device_classes)
        for name, (_key, check) in self.required_slots.items():
            schema[name] = sl.Slot(check, required=True)
        for name, (_key, check) in self.optional_slots.items():
            schema[name] = sl.Slot(check)
        return schema

    def __call__(self, call: IntentCall) -> IntentResponse:
        """Validate, match, then act."""
        slots = sl.validate(self.prepare(call.slots), self.schema())
        name = slots.get("name")
        domains = self.required_domains
        if "domain" in slots:
            domains = frozenset(slots["domain"])
        constraints = Constraints(
            name=None if name == "all" else name,
            area_name=slots.get("area"),
            floor_name=slots.get("floor"),
            domains=domains,
            device_classes=set(slots["device_class"]) if "device_class" in slots else None,
            features=self.required_features,
            states=self.required_states,
            assistant=call.assistant,
        )
        if not constraints.has_constraints:
            raise IntentHandleError("Service handler cannot target all devices")
        preferences = Preferences(slots.get("preferred_area_id"), slots.get("preferred_floor_id"))
        result = match_targets(call.house, constraints, preferences)
        if not result.is_match:
            raise MatchFailedError(result, constraints)
        call.slots = slots
        return self.handle_states(call, result, constraints)

    def prepare(self, slots: dict[str, Any]) -> dict[str, Any]:
        """Adjust the raw slots before validation (mute/unmute add one)."""
        return slots

    def route(self, call: IntentCall, state: State) -> tuple[str, str]:
        """The (domain, service) for one entity; raising here fails the whole intent."""
        return self.domain, self.service

    def call_entity(self, call: IntentCall, state: State, domain: str, service: str) -> None:
        """Call the service on one entity; raising marks only this entity as failed."""
        data: dict[str, Any] = {"entity_id": state.entity_id}
        for name, (key, _check) in self.required_slots.items():
            data[key] = call.slots[name]
        for name, (key, _check) in self.optional_slots.items():
            if name in call.slots:
                data[key] = call.slots[name]
        call.house.call_service(domain, service, data, context=call.context)

    def handle_states(
        self, call: IntentCall, result: MatchResult, constraints: Constraints
    ) -> IntentResponse:
        """Act on every matched entity; areas/floors first in `success`, then entities."""
        success: list[dict[str, Any]] = []
        if result.floors:
            success += [target(f.name, "floor", f.floor_id) for f in result.floors]
        elif result.areas:
            success += [target(a.name, "area", a.area_id) for a in result.areas]
        routes = [(state, *self.route(call, state)) for state in result.states]
        failed: list[dict[str, Any]] = []
        service = self.service
        for state, domain, service in routes:
            entry = target(state.name, "entity", state.entity_id)
            try:
                self.call_entity(call, state, domain, service)
            except (HouseError, IntentHandleError):
                failed.append(entry)
            else:
                success.append(entry)
        if not success:
            raise IntentHandleError(f"Failed to call {service} for: {[t['id'] for t in failed]}")
        return IntentResponse(call.language, success=success, failed=failed)


class OnOffIntent(ServiceIntent):
    """HassTurnOn/HassTurnOff: covers open/close, locks lock/unlock, valves open/close,
    buttons press; everything else through `homeassistant.turn_on/off`."""

    SPECIAL = {
        "cover": ("open_cover", "close_cover"),
        "lock": ("lock", "unlock"),
        "valve": ("open_valve", "close_valve"),
    }

    def call_entity(self, call: IntentCall, state: State, domain: str, service: str) -> None:
        """Per-domain special cases, as HA's `OnOffIntentHandler`."""
        turn_on = service == "turn_on"
        data = {"entity_id": state.entity_id}
        if state.domain in ("button", "input_button"):
            if not turn_on:
                raise IntentHandleError(f"Entity {state.entity_id} cannot be turned off")
            call.house.call_service(state.domain, "press", data, context=call.context)
        elif state.domain in self.SPECIAL:
            on, off = self.SPECIAL[state.domain]
            call.house.call_service(
                state.domain, on if turn_on else off, data, context=call.context
            )
        elif not call.house.has_service(state.domain, service):
            raise IntentHandleError(f"Service {service} does not support entity {state.entity_id}")
        else:
            super().call_entity(call, state, domain, service)


class PositionIntent(ServiceIntent):
    """HassSetPosition/HassStopMoving: covers and valves only (no required domain!)."""

    def route(self, call: IntentCall, state: State) -> tuple[str, str]:
        """cover.<x>_cover or valve.<x>_valve; another domain fails the whole intent."""
        if state.domain in ("cover", "valve"):
            return state.domain, self.service.format(domain=state.domain)
        raise IntentHandleError(f"Domain not supported: {state.domain}")


class MediaPauseIntent(ServiceIntent):
    """HassMediaPause: remembers what it paused for a later bare "resume"."""

    def handle_states(
        self, call: IntentCall, result: MatchResult, constraints: Constraints
    ) -> IntentResponse:
        """Record, then pause."""
        memory = call.house.intent_state.last_paused
        memory.update(call.context, [s.entity_id for s in result.states], time.time())
        return super().handle_states(call, result, constraints)


class MediaUnpauseIntent(ServiceIntent):
    """HassMediaUnpause: without a name, resumes only what was last paused (or the player
    that changed most recently since, outside that pause)."""

    def handle_states(
        self, call: IntentCall, result: MatchResult, constraints: Constraints
    ) -> IntentResponse:
        """Narrow the targets by the pause memory, then play."""
        memory = call.house.intent_state.last_paused
        if not constraints.name and memory.timestamp is not None:
            since = [
                s
                for s in result.states
                if s.last_changed.timestamp() > memory.timestamp and s.context != memory.context
            ]
            if since:
                result.states = [max(since, key=lambda s: s.last_changed)]
            elif overlap := [s for s in result.states if s.entity_id in memory.entity_ids]:
                result.states = overlap
            memory.clear()
        return super().handle_states(call, result, constraints)


class MuteIntent(ServiceIntent):
    """HassMediaPlayerMute/Unmute: the handler sets `is_volume_muted` itself."""

    muted: bool = True

    def prepare(self, slots: dict[str, Any]) -> dict[str, Any]:
        """Force the slot, whatever the caller sent."""
        return {**slots, "is_volume_muted": self.muted}


def _mute(intent_type: str, muted: bool) -> MuteIntent:
    handler = MuteIntent(
        intent_type,
        "media_player",
        "volume_mute",
        required_domains=frozenset({"media_player"}),
        required_features=8,
        device_classes=sl.MEDIA_CLASSES,
        optional_slots={"is_volume_muted": ("is_volume_muted", sl.boolean)},
    )
    handler.muted = muted
    return handler


def _media(intent_type: str, service: str, features: int | None, playing: bool) -> ServiceIntent:
    return ServiceIntent(
        intent_type,
        "media_player",
        service,
        required_domains=frozenset({"media_player"}),
        required_features=features,
        required_states=frozenset({"playing"}) if playing else None,
        device_classes=sl.MEDIA_CLASSES,
    )


def _volume(value: Any) -> float:
    return float(sl.percentage(value)) / 100


_POSITION_CLASSES = (*sl.COVER_CLASSES, *sl.VALVE_CLASSES)
_LIGHT = frozenset({"light"})

HANDLERS: dict[str, Callable[[IntentCall], IntentResponse]] = {
    "HassTurnOn": OnOffIntent(
        "HassTurnOn", "homeassistant", "turn_on", device_classes=sl.ONOFF_CLASSES
    ),
    "HassTurnOff": OnOffIntent(
        "HassTurnOff", "homeassistant", "turn_off", device_classes=sl.ONOFF_CLASSES
    ),
    "HassToggle": ServiceIntent(
        "HassToggle", "homeassistant", "toggle", device_classes=sl.ONOFF_CLASSES
    ),
    "HassOpenCover": ServiceIntent(
        "HassOpenCover",
        "cover",
        "open_cover",
        frozenset({"cover"}),
        device_classes=sl.COVER_CLASSES,
    ),
    "HassCloseCover": ServiceIntent(
        "HassCloseCover",
        "cover",
        "close_cover",
        frozenset({"cover"}),
        device_classes=sl.COVER_CLASSES,
    ),
    "HassSetPosition": PositionIntent(
        "HassSetPosition",
        "",
        "set_{domain}_position",
        device_classes=_POSITION_CLASSES,
        required_slots={"position": ("position", sl.percentage)},
    ),
    "HassStopMoving": PositionIntent(
        "HassStopMoving", "", "stop_{domain}", device_classes=_POSITION_CLASSES
    ),
    "HassLightSet": ServiceIntent(
        "HassLightSet",
        "light",
        "turn_on",
        required_domains=_LIGHT,
        optional_slots={
            "color": ("rgb_color", color_name_to_rgb),
            "temperature": ("color_temp_kelvin", sl.positive_int),
            "brightness": ("brightness_pct", sl.percentage),
        },
    ),
    "HassFanSetSpeed": ServiceIntent(
        "HassFanSetSpeed",
        "fan",
        "turn_on",
        required_domains=frozenset({"fan"}),
        required_slots={"percentage": ("percentage", sl.percentage)},
    ),
    "HassMediaPause": MediaPauseIntent(
        "HassMediaPause",
        "media_player",
        "media_pause",
        required_domains=frozenset({"media_player"}),
        required_features=1,
        required_states=frozenset({"playing"}),
        device_classes=sl.MEDIA_CLASSES,
    ),
    "HassMediaUnpause": MediaUnpauseIntent(
        "HassMediaUnpause",
        "media_player",
        "media_play",
        required_domains=frozenset({"media_player"}),
        device_classes=sl.MEDIA_CLASSES,
    ),
    "HassMediaNext": _media("HassMediaNext", "media_next_track", 32, playing=True),
    "HassMediaPrevious": _media("HassMediaPrevious", "media_previous_track", 16, playing=True),
    "HassSetVolume": ServiceIntent(
        "HassSetVolume",
        "media_player",
        "volume_set",
        required_domains=frozenset({"media_player"}),
        required_features=4,
        device_classes=sl.MEDIA_CLASSES,
        required_slots={"volume_level": ("volume_level", _volume)},
    ),
    "HassMediaPlayerMute": _mute("HassMediaPlayerMute", True),
    "HassMediaPlayerUnmute": _mute("HassMediaPlayerUnmute", False),
    "HassVacuumStart": ServiceIntent(
        "HassVacuumStart", "vacuum", "start", frozenset({"vacuum"}), required_features=8192
    ),
    "HassVacuumReturnToBase": ServiceIntent(
        "HassVacuumReturnToBase",
        "vacuum",
        "return_to_base",
        frozenset({"vacuum"}),
        required_features=16,
    ),
}
