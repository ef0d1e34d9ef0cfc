"""The services of the fake home: which exist, which entity features each needs, and the
effect each has (in `service_effects` and `todo`). Shared by the websocket `call_service`,
REST `/api/services` and the intents, so all three change states the same way."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from . import service_effects as fx
from .errors import EntityNotFound, ServiceNotFound, ServiceValidationError
from .todo import DEFAULT_FEATURES as TODO_FEATURES
from .todo import TODO_SERVICES

if TYPE_CHECKING:
    from .house import House

__all__ = ["SERVICES", "ServiceNotFound", "ServiceNotSupported", "has_service", "plan"]

EntityAction = fx.EntityAction

SERVICES: dict[str, dict[str, EntityAction]] = {
    "light": {"turn_on": fx.light_on, "turn_off": fx.light_off, "toggle": fx.light_toggle},
    "switch": {
        "turn_on": fx.set_state("on"),
        "turn_off": fx.set_state("off"),
        "toggle": fx.toggle_on_off,
    },
    "input_boolean": {
        "turn_on": fx.set_state("on"),
        "turn_off": fx.set_state("off"),
        "toggle": fx.toggle_on_off,
    },
    "automation": {
        "turn_on": fx.set_state("on"),
        "turn_off": fx.set_state("off"),
        "toggle": fx.toggle_on_off,
        "trigger": fx.script_run,
    },
    "fan": {
        "turn_on": fx.fan_on,
        "turn_off": fx.fan_off,
        "toggle": fx.fan_toggle,
        "set_percentage": fx.fan_percentage,
    },
    "climate": {
        "set_temperature": fx.climate_temperature,
        "set_hvac_mode": fx.climate_mode,
        "set_fan_mode": fx.climate_fan_mode,
        "turn_on": fx.climate_on,
        "turn_off": fx.climate_off,
    },
    "cover": {
        "open_cover": fx.open_full,
        "close_cover": fx.close_full,
        "set_cover_position": fx.set_position,
        "stop_cover": fx.keep,
        "toggle": fx.open_close_toggle,
    },
    "valve": {
        "open_valve": fx.open_full,
        "close_valve": fx.close_full,
        "set_valve_position": fx.set_position,
        "stop_valve": fx.keep,
        "toggle": fx.open_close_toggle,
    },
    "lock": {
        "lock": fx.set_state("locked"),
        "unlock": fx.set_state("unlocked"),
        "open": fx.set_state("open"),
    },
    "media_player": {
        "turn_on": fx.set_state("on"),
        "turn_off": fx.set_state("off"),
        "toggle": fx.media_toggle,
        "volume_set": fx.volume_set,
        "volume_up": fx.volume_step(0.1),
        "volume_down": fx.volume_step(-0.1),
        "volume_mute": fx.volume_mute,
        "media_play": fx.set_state("playing"),
        "media_pause": fx.set_state("paused"),
        "media_stop": fx.set_state("idle"),
        "media_play_pause": fx.play_pause,
        "media_next_track": fx.track_step(1),
        "media_previous_track": fx.track_step(-1),
    },
    "vacuum": {
        "start": fx.set_state("cleaning"),
        "pause": fx.set_state("paused"),
        "stop": fx.set_state("idle"),
        "return_to_base": fx.set_state("returning"),
        "clean_spot": fx.set_state("cleaning"),
        "clean_area": fx.set_state("cleaning"),
        "locate": fx.keep,
        "set_fan_speed": fx.fan_speed,
    },
    "script": {"turn_on": fx.script_run, "toggle": fx.script_run, "turn_off": fx.keep},
    "scene": {"turn_on": fx.timestamp},
    "button": {"press": fx.timestamp},
    "input_button": {"press": fx.timestamp},
    "select": {"select_option": fx.select_option},
}

# (domain, service) -> feature sets, one of which the entity must fully support (HA's
# `required_features` of entity services). Unlisted services need no feature.
REQUIRED_FEATURES: dict[tuple[str, str], tuple[int, ...]] = {
    ("fan", "turn_on"): (32,),
    ("fan", "turn_off"): (16,),
    ("fan", "toggle"): (16, 32),
    ("fan", "set_percentage"): (1,),
    ("climate", "turn_on"): (256,),
    ("climate", "turn_off"): (128,),
    ("climate", "set_temperature"): (1, 2),
    ("climate", "set_fan_mode"): (8,),
    ("cover", "open_cover"): (1,),
    ("cover", "close_cover"): (2,),
    ("cover", "set_cover_position"): (4,),
    ("cover", "stop_cover"): (8,),
    ("cover", "toggle"): (3,),
    ("valve", "open_valve"): (1,),
    ("valve", "close_valve"): (2,),
    ("valve", "set_valve_position"): (4,),
    ("valve", "stop_valve"): (8,),
    ("valve", "toggle"): (3,),
    ("lock", "open"): (1,),
    ("media_player", "turn_on"): (128,),
    ("media_player", "turn_off"): (256,),
    ("media_player", "toggle"): (384,),
    ("media_player", "volume_up"): (4, 1024),
    ("media_player", "volume_down"): (4, 1024),
    ("media_player", "volume_set"): (4,),
    ("media_player", "volume_mute"): (8,),
    ("media_player", "media_play"): (16384,),
    ("media_player", "media_pause"): (1,),
    ("media_player", "media_stop"): (4096,),
    ("media_player", "media_play_pause"): (16385,),
    ("media_player", "media_next_track"): (32,),
    ("media_player", "media_previous_track"): (16,),
    ("vacuum", "start"): (8192,),
    ("vacuum", "pause"): (4,),
    ("vacuum", "stop"): (8,),
    ("vacuum", "return_to_base"): (16,),
    ("vacuum", "clean_spot"): (1024,),
    ("vacuum", "clean_area"): (16384,),
    ("vacuum", "locate"): (512,),
    ("vacuum", "set_fan_speed"): (32,),
    ("todo", "add_item"): (1,),
    ("todo", "remove_item"): (2,),
    ("todo", "update_item"): (4,),
}

# What a domain reports when its entity does not say (used by case files and tests).
DEFAULT_FEATURES: dict[str, int] = {"todo": TODO_FEATURES}

GENERIC_SERVICES = ("turn_on", "turn_off", "toggle")
# Services that return data: "only" must be called with return_response, "optional" may be.
RESPONSE_SERVICES = {("todo", "get_items"): "only"}


class ServiceNotSupported(ServiceValidationError):
    """An explicitly targeted entity lacks the feature the service needs."""

    def __init__(self, domain: str, service: str, entity_id: str) -> None:
        super().__init__(f"Entity {entity_id} does not support action {domain}.{service}.")
        self.entity_id = entity_id


def has_service(house: House, domain: str, service: str) -> bool:
    """Return whether `domain.service` is registered (scripts register one service each)."""
    if domain == "homeassistant":
        return service in GENERIC_SERVICES
    if domain == "script" and f"script.{service}" in house.states:
        return True
    if domain == "todo":
        return service in TODO_SERVICES
    return service in SERVICES.get(domain, {})


def response_mode(house: House, domain: str, service: str) -> str | None:
    """ "only", "optional" (scripts) or None when the service returns nothing."""
    if domain == "script" and service not in SERVICES["script"]:
        return "optional"
    return RESPONSE_SERVICES.get((domain, service))


def supports(house: House, entity_id: str, domain: str, service: str) -> bool:
    """Return whether the entity has one of the feature sets the service needs."""
    feature_sets = REQUIRED_FEATURES.get((domain, service))
    if feature_sets is None:
        return True
    state = house.states[entity_id]
    features = int(state.attributes.get("supported_features") or 0)
    return any(features & wanted == wanted for wanted in feature_sets)


def plan(
    house: House,
    domain: str,
    service: str,
    entity_ids: list[str],
    explicit: frozenset[str] = frozenset(),
) -> list[tuple[str, EntityAction]]:
    """Return (entity id, action) steps for a call, raising before anything changes.

    Entities reached through an area or device that lack a needed feature are skipped, as HA
    does; an explicitly named one fails the whole call with `ServiceNotSupported`.
    """
    if not has_service(house, domain, service):
        raise ServiceNotFound(domain, service)
    if domain == "script" and service not in SERVICES["script"]:
        return [(f"script.{service}", fx.script_run)]
    for entity_id in entity_ids:
        if not entity_id.startswith(f"{domain}."):
            raise EntityNotFound(entity_id)
    if domain == "todo":
        action: EntityAction = functools.partial(TODO_SERVICES[service], house.todo)
    else:
        action = SERVICES[domain][service]
    steps = []
    for entity_id in entity_ids:
        if supports(house, entity_id, domain, service):
            steps.append((entity_id, action))
        elif entity_id in explicit:
            raise ServiceNotSupported(domain, service, entity_id)
    return steps
