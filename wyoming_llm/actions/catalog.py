"""What each action means for each domain: the service to call, its data, and how to tell
from the state afterwards whether it really happened.

Only services listed here can ever be called: this table is the service allowlist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..hass.models import EntityState
from ..speech import spoken_number
from .checks import (
    Check,
    Supports,
    attribute_near,
    changed,
    color_applied,
    no_check,
    state_in,
    state_not,
    supports_brightness,
    supports_color,
    supports_color_temp,
)

ACTION_KINDS = (
    "turn_on",
    "turn_off",
    "toggle",
    "set_brightness",
    "set_color",
    "set_color_temp",
    "set_temperature",
    "set_position",
    "set_volume",
    "media_play",
    "media_pause",
    "media_next",
    "media_previous",
    "run",
)

ON_OFF_DOMAINS = frozenset(
    {"light", "switch", "fan", "input_boolean", "automation", "siren", "humidifier", "remote"}
)
_COLORS = "white red orange yellow green blue purple pink cyan magenta brown turquoise lime"
COLOR_NAMES = frozenset([*_COLORS.split(" "), "warmwhite"])


@dataclass(frozen=True)
class ActionPlan:
    """A concrete service call and how to verify it."""

    domain: str
    service: str
    data: dict[str, Any] = field(default_factory=dict)
    check: Check | None = None
    verb: str = ""  # "turn on", for sentences such as "I could not turn on X"
    success: str = "{name} is done"  # spoken when the check passes; {name}, {value}
    supports: Supports | None = None

    def speech(self, name: str, state: EntityState | None) -> str:
        """The success sentence for this entity."""
        value = state.state if state is not None else ""
        return self.success.format(name=name, value=value)


def plan_action(kind: str, domain: str, value: Any = None) -> ActionPlan | None:
    """The plan for an action on an entity of this domain, or None when it makes no sense."""
    builder = _BUILDERS.get(kind)
    return None if builder is None else builder(domain, value)


# (service, check, verb, success sentence) per domain, for turning things on and off.
_Spec = tuple[str, Check, str, str]
_ON_SPECIAL: dict[str, _Spec] = {
    "media_player": ("turn_on", state_not("off", "unavailable"), "turn on", "{name} is now on"),
    "climate": ("turn_on", state_not("off", "unavailable"), "turn on", "{name} is now on"),
    "cover": ("open_cover", state_in("open", "opening"), "open", "{name} is {value}"),
    "valve": ("open_valve", state_in("open", "opening"), "open", "{name} is {value}"),
    "lock": ("lock", state_in("locked", "locking"), "lock", "{name} is {value}"),
    "script": ("turn_on", no_check, "run", "Started {name}"),
    "scene": ("turn_on", no_check, "activate", "Activated {name}"),
    "vacuum": ("start", state_in("cleaning"), "start", "{name} is cleaning"),
}
_OFF_SPECIAL: dict[str, _Spec] = {
    "cover": ("close_cover", state_in("closed", "closing"), "close", "{name} is {value}"),
    "valve": ("close_valve", state_in("closed", "closing"), "close", "{name} is {value}"),
    "lock": ("unlock", state_in("unlocked", "unlocking"), "unlock", "{name} is {value}"),
    "script": ("turn_off", no_check, "stop", "Stopped {name}"),
    "vacuum": ("return_to_base", no_check, "send home", "{name} is going home"),
}


def _from_spec(domain: str, spec: _Spec | None) -> ActionPlan | None:
    if spec is None:
        return None
    service, check, verb, success = spec
    return ActionPlan(domain, service, check=check, verb=verb, success=success)


def _turn_on(domain: str, _value: Any) -> ActionPlan | None:
    if domain in ON_OFF_DOMAINS:
        spec: _Spec = ("turn_on", state_in("on"), "turn on", "{name} is now on")
        return _from_spec(domain, spec)
    return _from_spec(domain, _ON_SPECIAL.get(domain))


def _turn_off(domain: str, _value: Any) -> ActionPlan | None:
    if domain in ON_OFF_DOMAINS or domain in ("media_player", "climate"):
        spec: _Spec = ("turn_off", state_in("off"), "turn off", "{name} is now off")
        return _from_spec(domain, spec)
    return _from_spec(domain, _OFF_SPECIAL.get(domain))


def _toggle(domain: str, _value: Any) -> ActionPlan | None:
    if domain in ON_OFF_DOMAINS or domain in ("cover", "media_player"):
        return ActionPlan(
            domain, "toggle", check=changed, verb="toggle", success="{name} is now {value}"
        )
    return None


def _set_brightness(domain: str, value: Any) -> ActionPlan | None:
    if domain != "light" or not isinstance(value, int | float) or not 0 <= value <= 100:
        return None
    if value == 0:
        return _turn_off(domain, None)
    target = round(float(value) * 255 / 100)
    check = attribute_near("brightness", target, 3)
    return ActionPlan(
        domain,
        "turn_on",
        {"brightness_pct": round(float(value))},
        check,
        "set the brightness of",
        f"{{name}} is at {spoken_number(value)} percent",
        supports_brightness,
    )


def _set_color(domain: str, value: Any) -> ActionPlan | None:
    if domain != "light" or not isinstance(value, str):
        return None
    color = value.casefold().replace(" ", "")
    if color not in COLOR_NAMES:
        return None
    return ActionPlan(
        domain,
        "turn_on",
        {"color_name": color},
        color_applied,
        "change the color of",
        f"{{name}} is now {value.casefold()}",
        supports_color,
    )


def _set_color_temp(domain: str, value: Any) -> ActionPlan | None:
    if domain != "light" or not isinstance(value, int | float) or not 1000 <= value <= 20000:
        return None
    kelvin = round(float(value))
    return ActionPlan(
        domain,
        "turn_on",
        {"color_temp_kelvin": kelvin},
        state_in("on"),
        "change the color temperature of",
        f"{{name}} is at {kelvin} kelvin",
        supports_color_temp,
    )


def _set_temperature(domain: str, value: Any) -> ActionPlan | None:
    if domain != "climate" or not isinstance(value, int | float) or not -50 <= value <= 100:
        return None
    check = attribute_near("temperature", float(value), 0.01)
    return ActionPlan(
        domain,
        "set_temperature",
        {"temperature": float(value)},
        check,
        "set the temperature of",
        f"{{name}} is set to {spoken_number(value)} degrees",
    )


def _set_position(domain: str, value: Any) -> ActionPlan | None:
    if domain not in ("cover", "valve") or not isinstance(value, int | float):
        return None
    if not 0 <= value <= 100:
        return None
    position = round(float(value))
    service = "set_cover_position" if domain == "cover" else "set_valve_position"

    def check(_before: EntityState | None, after: EntityState) -> bool:
        current = after.attributes.get("current_position")
        if isinstance(current, int | float):
            return round(current) == position or after.state in ("opening", "closing")
        return after.state != "unavailable"

    return ActionPlan(
        domain, service, {"position": position}, check, "move", f"{{name}} is at {position} percent"
    )


def _set_volume(domain: str, value: Any) -> ActionPlan | None:
    if domain != "media_player" or not isinstance(value, int | float) or not 0 <= value <= 100:
        return None
    level = round(float(value) / 100, 2)
    return ActionPlan(
        domain,
        "volume_set",
        {"volume_level": level},
        attribute_near("volume_level", level, 0.011),
        "set the volume of",
        f"{{name}} volume is at {spoken_number(value)} percent",
    )


def _media(
    service: str, verb: str, success: str, check: Check
) -> Callable[[str, Any], ActionPlan | None]:
    def build(domain: str, _value: Any) -> ActionPlan | None:
        if domain != "media_player":
            return None
        return ActionPlan(domain, service, check=check, verb=verb, success=success)

    return build


def _run(domain: str, value: Any) -> ActionPlan | None:
    return _turn_on(domain, value) if domain in ("script", "scene") else None


_BUILDERS: dict[str, Callable[[str, Any], ActionPlan | None]] = {
    "turn_on": _turn_on,
    "turn_off": _turn_off,
    "toggle": _toggle,
    "set_brightness": _set_brightness,
    "set_color": _set_color,
    "set_color_temp": _set_color_temp,
    "set_temperature": _set_temperature,
    "set_position": _set_position,
    "set_volume": _set_volume,
    "media_play": _media("media_play", "resume", "{name} is playing", state_in("playing")),
    "media_pause": _media("media_pause", "pause", "{name} is paused", state_in("paused")),
    "media_next": _media(
        "media_next_track", "skip the track on", "Skipped to the next track on {name}", no_check
    ),
    "media_previous": _media(
        "media_previous_track", "go back a track on", "Went back a track on {name}", no_check
    ),
    "run": _run,
}
