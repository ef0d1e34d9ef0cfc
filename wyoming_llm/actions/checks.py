"""Predicates on entity states: did an action take effect, and can the entity do it at all."""

from __future__ import annotations

from collections.abc import Callable

from ..hass.models import EntityState

# Check(before, after) → True when the state shows the action took effect.
Check = Callable[[EntityState | None, EntityState], bool]
# Supports(current) → False when the entity cannot do this at all (no call is made).
Supports = Callable[[EntityState], bool]


def state_in(*states: str) -> Check:
    return lambda _before, after: after.state in states


def state_not(*states: str) -> Check:
    return lambda _before, after: after.state not in states


def changed(before: EntityState | None, after: EntityState) -> bool:
    return before is None or before.state != after.state


def attribute_near(key: str, target: float, tolerance: float) -> Check:
    def check(_before: EntityState | None, after: EntityState) -> bool:
        value = after.attributes.get(key)
        return isinstance(value, int | float) and abs(float(value) - target) <= tolerance

    return check


def no_check(_before: EntityState | None, _after: EntityState) -> bool:
    return True


_COLOR_MODES = frozenset({"hs", "rgb", "rgbw", "rgbww", "xy"})
_SET_POSITION_FEATURE = 4


def _color_modes(state: EntityState) -> set[str]:
    return {str(mode) for mode in state.attributes.get("supported_color_modes") or ()}


def supports_color(state: EntityState) -> bool:
    return bool(_color_modes(state) & _COLOR_MODES)


def color_applied(_before: EntityState | None, after: EntityState) -> bool:
    return after.state == "on" and after.attributes.get("color_mode") in _COLOR_MODES


def supports_brightness(state: EntityState) -> bool:
    return bool(_color_modes(state) - {"onoff"})


def supports_color_temp(state: EntityState) -> bool:
    return "color_temp" in _color_modes(state)


def supports_position(state: EntityState) -> bool:
    return bool(int(state.attributes.get("supported_features") or 0) & _SET_POSITION_FEATURE)
