"""Effects of services on entity states: pure functions from (state, data) to a new state."""

from __future__ import annotations

import colorsys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import (
    EntityNotFound,
    InvalidServiceData,
    ServiceNotFound,
    ServiceValidationError,
)
from .registry import utcnow

if TYPE_CHECKING:
    from .house import House, State

__all__ = ["ServiceNotFound", "has_service", "plan"]

# An action returns the new state string (None keeps it) and attribute updates.
EntityAction = Callable[["State", Mapping[str, Any]], tuple[str | None, dict[str, Any]]]

COLOR_NAMES: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 128, 0),
    "lime": (0, 255, 0),
    "blue": (0, 0, 255),
    "white": (255, 255, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
    "pink": (255, 192, 203),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "brown": (165, 42, 42),
    "warmwhite": (255, 244, 229),
}

_LIGHT_OFF = {"brightness": None, "color_mode": None, "hs_color": None, "rgb_color": None}
_LIGHT_OFF_TEMP = {"color_temp_kelvin": None}

# cover supported_features bits
_COVER_OPEN, _COVER_CLOSE, _COVER_SET_POSITION = 1, 2, 4


def _number(data: Mapping[str, Any], key: str, low: float, high: float) -> float:
    """Read a numeric field, raising `invalid_format` like HA's schema does."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidServiceData(f"expected float for dictionary value @ data['{key}']")
    if not low <= value <= high:
        raise InvalidServiceData(
            f"value must be at most {high} and at least {low} for dictionary value @ data['{key}']"
        )
    return float(value)


def _on(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return "on", {}


def _off(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return "off", {}


def _toggle(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return ("off" if state.state == "on" else "on"), {}


# Lights -----------------------------------------------------------------------


def _rgb_from_data(data: Mapping[str, Any]) -> tuple[int, int, int] | None:
    if "color_name" in data:
        key = str(data["color_name"]).casefold().replace(" ", "")
        if key not in COLOR_NAMES:
            raise InvalidServiceData(
                f"value {data['color_name']} is not a valid color name @ data['color_name']"
            )
        return COLOR_NAMES[key]
    if "rgb_color" in data:
        value = data["rgb_color"]
        if not isinstance(value, list | tuple) or len(value) != 3:
            raise InvalidServiceData("expected a list of 3 values @ data['rgb_color']")
        red, green, blue = (int(_number({"c": part}, "c", 0, 255)) for part in value)
        return red, green, blue
    if "hs_color" in data:
        hue, sat = data["hs_color"]
        red_f, green_f, blue_f = colorsys.hsv_to_rgb(float(hue) / 360, float(sat) / 100, 1.0)
        return round(red_f * 255), round(green_f * 255), round(blue_f * 255)
    return None


def _light_on(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    attrs = state.attributes
    modes = list(attrs.get("supported_color_modes") or ["onoff"])
    current = attrs.get("brightness")
    brightness = 255 if current is None else int(current)
    if "brightness_pct" in data:
        brightness = round(_number(data, "brightness_pct", 0, 100) * 255 / 100)
    elif "brightness" in data:
        brightness = round(_number(data, "brightness", 0, 255))
    elif "brightness_step_pct" in data:
        step = _number(data, "brightness_step_pct", -100, 100)
        brightness = max(0, min(255, brightness + round(step * 255 / 100)))
    if brightness == 0:
        return _light_off(state, data)
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
        low, high = (
            attrs.get("min_color_temp_kelvin", 2000),
            attrs.get("max_color_temp_kelvin", 6500),
        )
        kelvin = round(max(low, min(high, _number(data, "color_temp_kelvin", 1000, 20000))))
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


def _light_off(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    updates = {key: None for key in _LIGHT_OFF if key in state.attributes}
    if "color_temp_kelvin" in state.attributes:
        updates.update(_LIGHT_OFF_TEMP)
    return "off", updates


def _light_toggle(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return _light_off(state, data) if state.state == "on" else _light_on(state, data)


# Fans, climate, covers, locks -------------------------------------------------


def _fan_on(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    if "percentage" in data:
        return _fan_percentage(state, data)
    return "on", {"percentage": state.attributes.get("percentage") or 100}


def _fan_off(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return "off", {"percentage": 0}


def _fan_toggle(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return _fan_off(state, data) if state.state == "on" else _fan_on(state, data)


def _fan_percentage(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    percentage = round(_number(data, "percentage", 0, 100))
    return ("on" if percentage else "off"), {"percentage": percentage}


def _climate_temperature(
    state: State, data: Mapping[str, Any]
) -> tuple[str | None, dict[str, Any]]:
    if "temperature" not in data:
        raise InvalidServiceData("required key not provided @ data['temperature']")
    temperature = _number(data, "temperature", -100, 100)
    low, high = state.attributes.get("min_temp", 7), state.attributes.get("max_temp", 35)
    if not low <= temperature <= high:
        raise ServiceValidationError(
            f"Provided temperature {temperature} is not valid. Accepted range is {low} to {high}"
        )
    new_state = None
    if "hvac_mode" in data:
        new_state, _ = _climate_mode(state, data)
    return new_state, {"temperature": temperature}


def _climate_mode(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    mode = data.get("hvac_mode")
    if mode not in state.attributes.get("hvac_modes", []):
        raise ServiceValidationError(f"HVAC mode {mode} is not valid for {state.entity_id}")
    return str(mode), {"hvac_action": "idle" if mode == "off" else "heating"}


def _climate_on(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return _climate_mode(state, {"hvac_mode": "heat"})


def _climate_off(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return _climate_mode(state, {"hvac_mode": "off"})


def _require_cover_feature(state: State, feature: int, service: str) -> None:
    if not int(state.attributes.get("supported_features", 0)) & feature:
        raise ServiceValidationError(
            f"Entity {state.entity_id} does not support action cover.{service}"
        )


def _cover_position(position: int, state: State) -> tuple[str | None, dict[str, Any]]:
    attrs = {"current_position": position} if "current_position" in state.attributes else {}
    return ("open" if position > 0 else "closed"), attrs


def _cover_open(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    _require_cover_feature(state, _COVER_OPEN, "open_cover")
    return _cover_position(100, state)


def _cover_close(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    _require_cover_feature(state, _COVER_CLOSE, "close_cover")
    return _cover_position(0, state)


def _cover_set(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    _require_cover_feature(state, _COVER_SET_POSITION, "set_cover_position")
    return _cover_position(round(_number(data, "position", 0, 100)), state)


def _cover_toggle(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return _cover_close(state, data) if state.state == "open" else _cover_open(state, data)


def _keep(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return None, {}


def _set(value: str) -> EntityAction:
    def action(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
        return value, {}

    return action


# Media players, scripts, scenes -----------------------------------------------


def _volume_set(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return None, {"volume_level": _number(data, "volume_level", 0, 1)}


def _volume_step(step: float) -> EntityAction:
    def action(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
        level = float(state.attributes.get("volume_level") or 0) + step
        return None, {"volume_level": round(max(0.0, min(1.0, level)), 2)}

    return action


def _volume_mute(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return None, {"is_volume_muted": bool(data.get("is_volume_muted", True))}


def _play_pause(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return ("paused" if state.state == "playing" else "playing"), {}


def _media_toggle(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return ("off" if state.state != "off" else "on"), {}


def _select_option(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    options = state.attributes.get("options")
    option = str(data.get("option", ""))
    if options and option not in options:
        raise ServiceValidationError(f"Option {option} is not valid for {state.entity_id}")
    return option, {}


def _script_run(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return None, {"last_triggered": utcnow().isoformat()}


def _scene_on(state: State, data: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    return utcnow().isoformat(), {}


SERVICES: dict[str, dict[str, EntityAction]] = {
    "light": {"turn_on": _light_on, "turn_off": _light_off, "toggle": _light_toggle},
    "switch": {"turn_on": _on, "turn_off": _off, "toggle": _toggle},
    "fan": {
        "turn_on": _fan_on,
        "turn_off": _fan_off,
        "toggle": _fan_toggle,
        "set_percentage": _fan_percentage,
    },
    "climate": {
        "set_temperature": _climate_temperature,
        "set_hvac_mode": _climate_mode,
        "turn_on": _climate_on,
        "turn_off": _climate_off,
    },
    "cover": {
        "open_cover": _cover_open,
        "close_cover": _cover_close,
        "set_cover_position": _cover_set,
        "stop_cover": _keep,
        "toggle": _cover_toggle,
    },
    "lock": {"lock": _set("locked"), "unlock": _set("unlocked")},
    "media_player": {
        "turn_on": _set("on"),
        "turn_off": _set("off"),
        "volume_set": _volume_set,
        "volume_up": _volume_step(0.1),
        "volume_down": _volume_step(-0.1),
        "volume_mute": _volume_mute,
        "media_play": _set("playing"),
        "media_pause": _set("paused"),
        "media_stop": _set("idle"),
        "media_play_pause": _play_pause,
        "media_next_track": _keep,
        "media_previous_track": _keep,
        "toggle": _media_toggle,
    },
    "script": {"turn_on": _script_run, "toggle": _script_run, "turn_off": _keep},
    "scene": {"turn_on": _scene_on},
    "select": {"select_option": _select_option},
}

# homeassistant.turn_on/off/toggle map to these per-domain services.
_GENERIC: dict[str, dict[str, str]] = {
    "cover": {"turn_on": "open_cover", "turn_off": "close_cover", "toggle": "toggle"},
    "scene": {"turn_on": "turn_on"},
}
_GENERIC_SERVICES = ("turn_on", "turn_off", "toggle")


def has_service(house: House, domain: str, service: str) -> bool:
    """Return whether `domain.service` is registered (scripts register one service each)."""
    if domain == "homeassistant":
        return service in _GENERIC_SERVICES
    if domain == "script" and f"script.{service}" in house.states:
        return True
    return service in SERVICES.get(domain, {})


def _generic_action(entity_domain: str, service: str) -> EntityAction | None:
    mapped = _GENERIC.get(entity_domain, {s: s for s in _GENERIC_SERVICES}).get(service)
    return SERVICES.get(entity_domain, {}).get(mapped or "")


def plan(
    house: House, domain: str, service: str, entity_ids: list[str]
) -> list[tuple[str, EntityAction]]:
    """Return (entity id, action) steps for a call, raising before anything changes."""
    if not has_service(house, domain, service):
        raise ServiceNotFound(domain, service)
    if domain == "script" and service not in SERVICES["script"]:
        return [(f"script.{service}", _script_run)]
    if domain == "homeassistant":
        steps = []
        for entity_id in entity_ids:
            action = _generic_action(entity_id.split(".", 1)[0], service)
            if action is not None:
                steps.append((entity_id, action))
        return steps
    for entity_id in entity_ids:
        if not entity_id.startswith(f"{domain}."):
            raise EntityNotFound(entity_id)
    action = SERVICES[domain][service]
    return [(entity_id, action) for entity_id in entity_ids]
