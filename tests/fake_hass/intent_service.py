"""Intents that act on matched entities through services (HA's `DynamicServiceIntentHandler`
and its subclasses): on/off/toggle, positions, lights, fans, vacuums. Media: `intent_media`."""

from __future__ import annotations

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
