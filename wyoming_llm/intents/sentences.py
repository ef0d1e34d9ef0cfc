"""What the agent says about an intent it carried out (or could not), in short sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wyoming_common.speech_text import join_names, spoken_number

from ..hass.models import ExposedEntity
from .words import plural

_ON_VERBS = {
    "cover": "open", "valve": "open", "lock": "lock", "script": "run", "scene": "activate",
    "button": "press", "input_button": "press",
}  # fmt: skip
_OFF_VERBS = {"cover": "close", "valve": "close", "lock": "unlock", "script": "stop"}
_VERBS = {
    "HassLightSet": "set", "HassSetPosition": "move", "HassClimateSetTemperature": "set",
    "HassFanSetSpeed": "set the speed of", "HassMediaPause": "pause",
    "HassMediaUnpause": "resume", "HassMediaNext": "skip the track on",
    "HassMediaPrevious": "go back a track on", "HassSetVolume": "set the volume of",
    "HassMediaPlayerMute": "mute", "HassMediaPlayerUnmute": "unmute",
    "HassVacuumStart": "start", "HassVacuumReturnToBase": "send home",
    "HassLawnMowerStartMowing": "start", "HassLawnMowerDock": "send home",
}  # fmt: skip
_PAST = {
    "turn on": "Turned on", "turn off": "Turned off", "open": "Opened", "close": "Closed",
    "lock": "Locked", "unlock": "Unlocked", "run": "Started", "stop": "Stopped",
    "activate": "Activated", "press": "Pressed", "pause": "Paused", "resume": "Resumed",
    "mute": "Muted", "unmute": "Unmuted", "start": "Started", "send home": "Sent home",
    "skip the track on": "Skipped to the next track on", "set": "Set", "move": "Moved",
    "set the speed of": "Set the speed of", "set the volume of": "Set the volume of",
    "go back a track on": "Went back a track on",
}  # fmt: skip
_MOVING = {
    "opening": "Opening",
    "closing": "Closing",
    "locking": "Locking",
    "unlocking": "Unlocking",
}
_KIND_NAMES = {"media_player": "media player", "binary_sensor": "sensor", "input_boolean": "switch"}


def verb(intent: str, domain: str) -> str:
    """The verb for doing intent to an entity of domain ("turn on", "open", "lock")."""
    if intent == "HassTurnOn":
        return _ON_VERBS.get(domain, "turn on")
    if intent == "HassTurnOff":
        return _OFF_VERBS.get(domain, "turn off")
    return _VERBS.get(intent, "control")


def describe(entities: Sequence[ExposedEntity], area_name: str | None = None) -> str:
    """How a group of targets is said: their names, or "the 5 lights [in the Kitchen]"."""
    if len(entities) <= 3:
        return join_names(list(dict.fromkeys(e.name for e in entities)))
    domains = {e.domain for e in entities}
    kind = (
        _KIND_NAMES.get(next(iter(domains)), next(iter(domains))) if len(domains) == 1 else "device"
    )
    where = f" in the {area_name}" if area_name else ""
    return f"the {len(entities)} {plural(kind.replace('_', ' '))}{where}"


def _value_tail(intent: str, args: Mapping[str, Any]) -> str:
    if intent == "HassLightSet":
        if args.get("brightness") is not None:
            return f" to {spoken_number(args['brightness'])} percent"
        if args.get("color"):
            return f" to {args['color']}"
    keys = {
        "HassSetPosition": ("position", " percent open"),
        "HassClimateSetTemperature": ("temperature", " degrees"),
        "HassFanSetSpeed": ("percentage", " percent"),
        "HassSetVolume": ("volume_level", " percent"),
    }
    if intent in keys and args.get(keys[intent][0]) is not None:
        key, unit = keys[intent]
        return f" to {spoken_number(args[key])}{unit}"
    return ""


def done(
    intent: str,
    entities: Sequence[ExposedEntity],
    args: Mapping[str, Any],
    states: Mapping[str, str],
    area_name: str | None = None,
) -> str:
    """The sentence for targets that verifiably did it: "Turned on Kitchen Lights."."""
    if not entities:
        return ""
    domain = entities[0].domain
    moving = {states.get(e.entity_id, "") for e in entities} & set(_MOVING)
    if len(moving) == 1 and intent in ("HassTurnOn", "HassTurnOff"):
        return f"{_MOVING[moving.pop()]} {describe(entities, area_name)}."
    action = verb(intent, domain)
    past = _PAST.get(action)
    tail = _value_tail(intent, args)
    if past is not None:
        return f"{past} {describe(entities, area_name)}{tail}."
    return f"{action.capitalize()} {describe(entities, area_name)}{tail}, done."


def unchanged(intent: str, entity: ExposedEntity, state: str | None) -> str:
    """Home Assistant accepted it, but the state did not follow."""
    still = f", but it is still {state.replace('_', ' ')}" if state else ""
    return f"I asked Home Assistant to {verb(intent, entity.domain)} {entity.name}{still}."


def refused(reason: str, intent: str, entities: Sequence[ExposedEntity]) -> str:
    """Why nothing was done: policy, rate limit, Home Assistant's error."""
    names = describe(entities)
    action = verb(intent, entities[0].domain) if entities else "do that"
    sentences = {
        "sensitive": f"For safety, I can't {action} {names} by voice.",
        "not-allowed": f"I'm not allowed to control {names}.",
        "confirm": f"Say confirm if you want me to {action} {names}.",
        "rate-limited": "That is too many actions in a short time. Please try again in a minute.",
        "failed": f"Sorry, Home Assistant couldn't {action} {names}.",
        "unavailable": "Sorry, I can't reach Home Assistant right now.",
    }
    return sentences.get(reason, f"Sorry, I couldn't {action} {names}.")


# English fallbacks for Home Assistant's error response keys (its `_common.yaml` wording).
NOT_FOUND = {
    "no_entity": "Sorry, I am not aware of any device called {entity}.",
    "no_entity_in_area": "Sorry, I am not aware of any device called {entity} in the {area} area.",
    "no_area": "Sorry, I am not aware of any area called {area}.",
    "no_floor": "Sorry, I am not aware of any floor called {floor}.",
    "no_domain": "Sorry, I am not aware of any {domain}.",
    "no_domain_in_area": "Sorry, I am not aware of any {domain} in the {area} area.",
    "no_domain_in_floor": "Sorry, I am not aware of any {domain} on the {floor} floor.",
    "no_device_class": "Sorry, I am not aware of any {device_class}.",
    "no_device_class_in_area": "Sorry, I am not aware of any {device_class} in the {area} area.",
    "feature_not_supported": "Sorry, no device supports the required features.",
    "entity_wrong_state": "Sorry, no device is {state}.",
    "ambiguous": "Which one do you mean? Please name the device or the room.",
    "duplicate_name": "There is more than one {entity}. Which room do you mean?",
}


def not_found(key: str, variables: Mapping[str, str]) -> str:
    """The sentence for a target that could not be resolved."""
    template = NOT_FOUND.get(key, "Sorry, I couldn't find that device.")
    values = {k: v for k, v in variables.items() if v}
    try:
        return template.format(**values)
    except KeyError:
        return "Sorry, I couldn't find that device."


_HA_ERRORS = (
    ("no entities matched", "Sorry, I couldn't find that device."),
    ("does not support", "Sorry, that device can't do that."),
    ("not supported", "Sorry, that device can't do that."),
    ("failed to call", "Sorry, Home Assistant couldn't do that."),
    ("multiple", "Sorry, there is more than one; please say which."),
)


def from_home_assistant(speech: str) -> str:
    """A short sentence for an error Home Assistant reported (its texts are for logs)."""
    lowered = speech.casefold()
    if lowered.startswith("sorry"):
        return speech.rstrip(".") + "."
    for key, sentence in _HA_ERRORS:
        if key in lowered:
            return sentence
    return "Sorry, Home Assistant couldn't do that."
