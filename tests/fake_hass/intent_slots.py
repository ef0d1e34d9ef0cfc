"""Slot validation the way HA's voluptuous/probatio slot schemas behave: known slots are
coerced or rejected (ValueError → HTTP 500), unknown slots pass through untouched."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class Slot:
    """One slot (or a group of alternative names, at least one required when `required`)."""

    validator: Validator
    required: bool = False


Schema = Mapping[Any, Slot]  # slot name, or a tuple of alternative names

# Device classes HA's on/off intents accept (button, cover, media player, switch, valve).
COVER_CLASSES = (
    "awning",
    "blind",
    "curtain",
    "damper",
    "door",
    "garage",
    "gate",
    "shade",
    "shutter",
    "window",
)
VALVE_CLASSES = ("water", "gas")
MEDIA_CLASSES = ("tv", "speaker", "receiver")
ONOFF_CLASSES = (
    "identify",
    "restart",
    "update",
    *COVER_CLASSES,
    *MEDIA_CLASSES,
    "outlet",
    "switch",
    *VALVE_CLASSES,
)


def validate(slots: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """Return the slots with known ones validated; raises ValueError like `vol.Invalid`."""
    result = dict(slots)
    for key, slot in schema.items():
        names = key if isinstance(key, tuple) else (key,)
        present = [name for name in names if name in slots]
        if slot.required and not present:
            raise ValueError(f"required key not provided @ data['{names[0]}']")
        for name in present:
            try:
                result[name] = slot.validator(slots[name])
            except (TypeError, ValueError) as err:
                raise ValueError(f"{err} for dictionary value @ data['{name}']") from err
    return result


def string(value: Any) -> str:
    """`cv.string`: numbers become text; None, lists and dicts are refused."""
    if value is None:
        raise ValueError("string value is None")
    if isinstance(value, list | dict):
        raise ValueError("value should be a string")
    return str(value)


def non_empty_string(value: Any) -> str:
    """`intent.non_empty_string`."""
    text = string(value)
    if not text.strip():
        raise ValueError("string value is empty")
    return text


def ensure_list(item: Validator) -> Validator:
    """`All(EnsureList(), [item])`."""

    def check(value: Any) -> list[Any]:
        values = [] if value is None else value if isinstance(value, list) else [value]
        return [item(v) for v in values]

    return check


def one_of(choices: Collection[str]) -> Validator:
    """`vol.In(choices)`."""

    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"value must be one of {sorted(choices)}")
        return value

    return check


def coerce_int(value: Any) -> int:
    """`vol.Coerce(int)`: int("5") and int(5.7) work, "5.5" and None do not."""
    return int(value)


def int_range(low: int | None = None, high: int | None = None) -> Validator:
    """`All(Coerce(int), Range(low, high))`."""

    def check(value: Any) -> int:
        number = coerce_int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"value must be between {low} and {high}")
        return number

    return check


positive_int = int_range(0)
percentage = int_range(0, 100)


def coerce_float(value: Any) -> float:
    """`vol.Coerce(float)`."""
    return float(value)


def boolean(value: Any) -> bool:
    """`cv.boolean`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.lower().strip()
        if text in ("1", "true", "yes", "on", "enable"):
            return True
        if text in ("0", "false", "no", "off", "disable"):
            return False
    elif isinstance(value, int | float):
        return value != 0
    raise ValueError(f"invalid boolean value {value}")


def target_schema(
    domains: Collection[str] | None, device_classes: Collection[str] | None
) -> dict[Any, Slot]:
    """The slots every service intent takes (`DynamicServiceIntentHandler.slot_schema`)."""
    schema: dict[Any, Slot] = {
        ("name", "area", "floor"): Slot(non_empty_string),
        "domain": Slot(ensure_list(one_of(domains) if domains else string)),
        "preferred_area_id": Slot(string),
        "preferred_floor_id": Slot(string),
    }
    if device_classes:
        schema["device_class"] = Slot(ensure_list(one_of(device_classes)))
    return schema
