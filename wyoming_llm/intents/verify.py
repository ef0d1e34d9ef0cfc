"""How to tell from an entity's state afterwards that an intent really took effect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wyoming_common.hass import EntityState

# Check(before, after) → True when the state shows the action took effect.
Check = Callable[[EntityState | None, EntityState], bool]


def state_in(*states: str) -> Check:
    """The state is one of these."""
    return lambda _before, after: after.state in states


def state_not(*states: str) -> Check:
    """The state is none of these."""
    return lambda _before, after: after.state not in states


def attribute_near(key: str, target: float, tolerance: float) -> Check:
    """A numeric attribute is close to target."""

    def check(_before: EntityState | None, after: EntityState) -> bool:
        value = after.attributes.get(key)
        return isinstance(value, int | float) and abs(float(value) - target) <= tolerance

    return check


def attribute_is(key: str, expected: Any) -> Check:
    """An attribute has exactly this value."""
    return lambda _before, after: after.attributes.get(key) == expected


_ON: dict[str, tuple[str, ...]] = {
    "cover": ("open", "opening"),
    "valve": ("open", "opening"),
    "lock": ("locked", "locking"),
}
_OFF: dict[str, tuple[str, ...]] = {
    "cover": ("closed", "closing"),
    "valve": ("closed", "closing"),
    "lock": ("unlocked", "unlocking", "open"),
}
_NO_STATE = frozenset({"script", "scene", "button", "input_button", "automation"})


def _turn(domain: str, on: bool) -> Check | None:
    if domain in _NO_STATE:
        return None
    table = _ON if on else _OFF
    if domain in table:
        return state_in(*table[domain])
    if domain in ("media_player", "climate", "water_heater", "humidifier"):
        return state_not("off", "unavailable") if on else state_in("off")
    return state_in("on") if on else state_in("off")


def _light(args: Mapping[str, Any]) -> Check | None:
    brightness = args.get("brightness")
    if isinstance(brightness, int | float):
        if brightness == 0:
            return state_in("off")
        return attribute_near("brightness", float(brightness) * 255 / 100, 3.5)
    if args.get("color"):
        return state_in("on")
    return None


def expectation(intent: str, domain: str, args: Mapping[str, Any]) -> Check | None:
    """The check for `intent` on an entity of `domain` (None: nothing observable)."""
    if intent == "HassTurnOn":
        return _turn(domain, True)
    if intent == "HassTurnOff":
        return _turn(domain, False)
    if intent == "HassLightSet":
        return _light(args)
    if intent == "HassSetPosition" and isinstance(args.get("position"), int | float):
        position = float(args["position"])

        def moved(_before: EntityState | None, after: EntityState) -> bool:
            current = after.attributes.get("current_position")
            if isinstance(current, int | float):
                return abs(current - position) < 1 or after.state in ("opening", "closing")
            return after.state != "unavailable"

        return moved
    if intent == "HassClimateSetTemperature" and isinstance(args.get("temperature"), int | float):
        return attribute_near("temperature", float(args["temperature"]), 0.01)
    if intent == "HassFanSetSpeed" and isinstance(args.get("percentage"), int | float):
        return attribute_near("percentage", float(args["percentage"]), 1.0)
    if intent == "HassSetVolume" and isinstance(args.get("volume_level"), int | float):
        return attribute_near("volume_level", float(args["volume_level"]) / 100, 0.011)
    return _SIMPLE.get(intent)


_SIMPLE: dict[str, Check] = {
    "HassMediaPause": state_in("paused", "idle", "off"),
    "HassMediaUnpause": state_in("playing", "buffering", "on"),
    "HassMediaPlayerMute": attribute_is("is_volume_muted", True),
    "HassMediaPlayerUnmute": attribute_is("is_volume_muted", False),
    "HassVacuumStart": state_in("cleaning"),
    "HassVacuumReturnToBase": state_in("returning", "docked"),
    "HassLawnMowerStartMowing": state_in("mowing"),
    "HassLawnMowerDock": state_in("returning", "docked"),
}
