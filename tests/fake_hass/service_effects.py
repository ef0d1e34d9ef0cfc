"""What each service does to one entity: pure functions from (state, data) to the new state
string (None keeps it) and the attributes to merge, with the values HA's integrations set."""

from __future__ import annotations

import colorsys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .colors import color_name_to_rgb
from .errors import InvalidServiceData, ServiceValidationError
from .registry import utcnow

if TYPE_CHECKING:
    from .house import State

Effect = tuple[str | None, dict[str, Any]]
EntityAction = Callable[["State", Mapping[str, Any]], Effect]

_LIGHT_COLOR_KEYS = ("color_mode", "hs_color", "rgb_color", "xy_color")


def number(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    """Read a numeric field, raising `invalid_format` like HA's schema does."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidServiceData(f"expected float for dictionary value @ data['{key}']")
    if not low <= value <= high:
        raise InvalidServiceData(
            f"value must be at most {high} and at least {low} for dictionary value @ data['{key}']"
        )
    return float(value)


def set_state(value: str) -> EntityAction:
    """An action that only sets the state."""

    def action(state: State, data: Mapping[str, Any]) -> Effect:
        return value, {}

    return action


def keep(state: State, data: Mapping[str, Any]) -> Effect:
    """An action that changes nothing visible."""
    return None, {}


def toggle_on_off(state: State, data: Mapping[str, Any]) -> Effect:
    """switch/input_boolean/automation toggle."""
    return ("off" if state.state == "on" else "on"), {}


def timestamp(state: State, data: Mapping[str, Any]) -> Effect:
    """Scenes and buttons: the state becomes the time of activation."""
    return utcnow().isoformat(timespec="microseconds"), {}


# Lights -----------------------------------------------------------------------


def _rgb_from_data(data: Mapping[str, Any]) -> tuple[int, int, int] | None:
    if "color_name" in data:
        try:
            return color_name_to_rgb(data["color_name"])
        except ValueError as err:
            raise InvalidServiceData(
                f"value {data['color_name']} is not a valid color name @ data['color_name']"
            ) from err
    if "rgb_color" in data:
        value = data["rgb_color"]
        if not isinstance(value, list | tuple) or len(value) != 3:
            raise InvalidServiceData("expected a list of 3 values @ data['rgb_color']")
        red, green, blue = (int(number({"c": part}, "c", 0, 255)) for part in value)
        return red, green, blue
    if "hs_color" in data:
        hue, sat = data["hs_color"]
        red_f, green_f, blue_f = colorsys.hsv_to_rgb(float(hue) / 360, float(sat) / 100, 1.0)
        return round(red_f * 255), round(green_f * 255), round(blue_f * 255)
    return None


def _brightness(state: State, data: Mapping[str, Any]) -> int:
    current = state.attributes.get("brightness")
    brightness = 255 if current is None else int(current)
    if "brightness_pct" in data:
        return round(number(data, "brightness_pct", 0, 100) * 255 / 100)
    if "brightness" in data:
        return round(number(data, "brightness", 0, 255))
    if "brightness_step_pct" in data:
        step = number(data, "brightness_step_pct", -100, 100)
        return max(0, min(255, brightness + round(step * 255 / 100)))
    return brightness


def light_on(state: State, data: Mapping[str, Any]) -> Effect:
    """light.turn_on: brightness, colour and colour temperature the light supports."""
    attrs = state.attributes
    modes = list(attrs.get("supported_color_modes") or ["onoff"])
    brightness = _brightness(state, data)
    if brightness == 0:
        return light_off(state, data)
    updates: dict[str, Any] = {}
    if modes != ["onoff"]:
        updates["brightness"] = brightness
    rgb = _rgb_from_data(data)
    if rgb is not None and ("hs" in modes or "rgb" in modes):
        hue, sat, _ = colorsys.rgb_to_hsv(*(part / 255 for part in rgb))
        updates.update(
            color_mode="hs" if "hs" in modes else "rgb",
            hs_color=(round(hue * 360, 3), round(sat * 100, 3)),
            rgb_color=rgb,
        )
        if "color_temp" in modes:
            updates["color_temp_kelvin"] = None
    elif "color_temp_kelvin" in data and "color_temp" in modes:
        low = attrs.get("min_color_temp_kelvin", 2000)
        high = attrs.get("max_color_temp_kelvin", 6500)
        kelvin = round(max(low, min(high, number(data, "color_temp_kelvin", 0, 1_000_000))))
        updates.update(
            color_mode="color_temp", color_temp_kelvin=kelvin, hs_color=None, rgb_color=None
        )
    elif state.state != "on":
        if "hs" in modes:
            updates.update(color_mode="hs", hs_color=(0.0, 0.0), rgb_color=(255, 255, 255))
        elif "color_temp" in modes:
            updates.update(color_mode="color_temp", color_temp_kelvin=3000)
        else:
            updates["color_mode"] = modes[0]
    return "on", updates


def light_off(state: State, data: Mapping[str, Any]) -> Effect:
    """light.turn_off clears brightness and colour."""
    keys = (*_LIGHT_COLOR_KEYS, "brightness", "color_temp_kelvin")
    return "off", {key: None for key in keys if key in state.attributes}


def light_toggle(state: State, data: Mapping[str, Any]) -> Effect:
    """light.toggle."""
    return light_off(state, data) if state.state == "on" else light_on(state, data)


# Fans and climate -------------------------------------------------------------


def fan_on(state: State, data: Mapping[str, Any]) -> Effect:
    """fan.turn_on, optionally at a percentage."""
    if "percentage" in data:
        return fan_percentage(state, data)
    return "on", {"percentage": state.attributes.get("percentage") or 100}


def fan_off(state: State, data: Mapping[str, Any]) -> Effect:
    """fan.turn_off."""
    return "off", {"percentage": 0}


def fan_toggle(state: State, data: Mapping[str, Any]) -> Effect:
    """fan.toggle."""
    return fan_off(state, data) if state.state == "on" else fan_on(state, data)


def fan_percentage(state: State, data: Mapping[str, Any]) -> Effect:
    """fan.set_percentage (0 turns the fan off)."""
    percentage = round(number(data, "percentage", 0, 100))
    return ("on" if percentage else "off"), {"percentage": percentage}


def climate_temperature(state: State, data: Mapping[str, Any]) -> Effect:
    """climate.set_temperature: single target needs TARGET_TEMPERATURE, range needs RANGE."""
    features = int(state.attributes.get("supported_features") or 0)
    updates: dict[str, Any] = {}
    if "temperature" in data:
        if not features & 1:
            raise ServiceValidationError(
                "Set temperature action was used with the target temperature parameter but "
                "the entity does not support it"
            )
        updates["temperature"] = number(data, "temperature", -1000, 1000)
    for key in ("target_temp_low", "target_temp_high"):
        if key in data:
            if not features & 2:
                raise ServiceValidationError(
                    "Set temperature action was used with the target temperature low/high "
                    "parameter but the entity does not support it"
                )
            updates[key] = number(data, key, -1000, 1000)
    if not updates:
        raise InvalidServiceData("must contain at least one of temperature, target_temp_low")
    low, high = state.attributes.get("min_temp", 7), state.attributes.get("max_temp", 35)
    for value in updates.values():
        if not low <= value <= high:
            raise ServiceValidationError(
                f"Provided temperature {value} is not valid. Accepted range is {low} to {high}"
            )
    new_state = None
    if "hvac_mode" in data:
        new_state, _ = climate_mode(state, data)
    return new_state, updates


def climate_mode(state: State, data: Mapping[str, Any]) -> Effect:
    """climate.set_hvac_mode."""
    mode = data.get("hvac_mode")
    if mode not in state.attributes.get("hvac_modes", []):
        raise ServiceValidationError(f"HVAC mode {mode} is not valid for {state.entity_id}")
    return str(mode), {"hvac_action": "idle" if mode == "off" else "heating"}


def climate_fan_mode(state: State, data: Mapping[str, Any]) -> Effect:
    """climate.set_fan_mode."""
    mode = data.get("fan_mode")
    if mode not in (state.attributes.get("fan_modes") or []):
        raise ServiceValidationError(f"Fan mode {mode} is not valid for {state.entity_id}")
    return None, {"fan_mode": mode}


def climate_on(state: State, data: Mapping[str, Any]) -> Effect:
    """climate.turn_on: the first of heat_cool/heat/cool the device offers."""
    modes = state.attributes.get("hvac_modes", [])
    mode = next((m for m in ("heat_cool", "heat", "cool") if m in modes), "heat")
    return climate_mode(state, {"hvac_mode": mode})


def climate_off(state: State, data: Mapping[str, Any]) -> Effect:
    """climate.turn_off."""
    return climate_mode(state, {"hvac_mode": "off"})


# Covers and valves ------------------------------------------------------------


def _position(position: int, state: State) -> Effect:
    attrs = {"current_position": position} if "current_position" in state.attributes else {}
    return ("open" if position > 0 else "closed"), attrs


def open_full(state: State, data: Mapping[str, Any]) -> Effect:
    """cover.open_cover / valve.open_valve."""
    return _position(100, state)


def close_full(state: State, data: Mapping[str, Any]) -> Effect:
    """cover.close_cover / valve.close_valve."""
    return _position(0, state)


def set_position(state: State, data: Mapping[str, Any]) -> Effect:
    """cover.set_cover_position / valve.set_valve_position."""
    return _position(round(number(data, "position", 0, 100)), state)


def open_close_toggle(state: State, data: Mapping[str, Any]) -> Effect:
    """cover.toggle / valve.toggle."""
    return close_full(state, data) if state.state in ("open", "opening") else open_full(state, data)


# Media players ----------------------------------------------------------------


def volume_set(state: State, data: Mapping[str, Any]) -> Effect:
    """media_player.volume_set."""
    return None, {"volume_level": number(data, "volume_level", 0, 1)}


def volume_step(step: float) -> EntityAction:
    """media_player.volume_up/down (HA's default step is 0.1)."""

    def action(state: State, data: Mapping[str, Any]) -> Effect:
        level = float(state.attributes.get("volume_level") or 0) + step
        return None, {"volume_level": round(max(0.0, min(1.0, level)), 2)}

    return action


def volume_mute(state: State, data: Mapping[str, Any]) -> Effect:
    """media_player.volume_mute."""
    if not isinstance(data.get("is_volume_muted"), bool):
        raise InvalidServiceData("expected boolean for dictionary value @ data['is_volume_muted']")
    return None, {"is_volume_muted": data["is_volume_muted"]}


def play_pause(state: State, data: Mapping[str, Any]) -> Effect:
    """media_player.media_play_pause."""
    return ("paused" if state.state == "playing" else "playing"), {}


def media_toggle(state: State, data: Mapping[str, Any]) -> Effect:
    """media_player.toggle."""
    return ("off" if state.state != "off" else "on"), {}


def track_step(step: int) -> EntityAction:
    """media_next_track / media_previous_track: the track number moves when the player has one."""

    def action(state: State, data: Mapping[str, Any]) -> Effect:
        track = state.attributes.get("media_track")
        if not isinstance(track, int):
            return None, {}
        return None, {"media_track": max(1, track + step)}

    return action


# Scripts, selects, vacuums ----------------------------------------------------


def script_run(state: State, data: Mapping[str, Any]) -> Effect:
    """A script run records when it was triggered."""
    return None, {"last_triggered": utcnow().isoformat()}


def select_option(state: State, data: Mapping[str, Any]) -> Effect:
    """select.select_option."""
    options = state.attributes.get("options")
    option = str(data.get("option", ""))
    if options and option not in options:
        raise ServiceValidationError(f"Option {option} is not valid for {state.entity_id}")
    return option, {}


def fan_speed(state: State, data: Mapping[str, Any]) -> Effect:
    """vacuum.set_fan_speed."""
    speed = data.get("fan_speed")
    speeds = state.attributes.get("fan_speed_list") or []
    if speeds and speed not in speeds:
        raise ServiceValidationError(f"Fan speed {speed} is not valid for {state.entity_id}")
    return None, {"fan_speed": speed}
