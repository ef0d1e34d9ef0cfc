"""One validation step at the edge: every field of an incoming event checked for presence,
type and range before a handler reads it.

Handlers call the helpers (`require_str(event.data, "text")`); the base handler checks the
standard Wyoming events against `event_rules.STANDARD_EVENTS` before `handle_request` sees
them. Every
failure is a BadRequestError, which the handler's error boundary answers with
`error {code: "bad-request"}` (no traceback, the service keeps serving).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .audio import EDGE_AUDIO_LIMITS, AudioFormat, AudioLimits
from .errors import BadRequestError

Data = Mapping[str, Any]

_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "number": (int, float),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
}
_NAMES = {
    "str": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "dict": "an object",
    "list": "a list",
}


def _shown(value: Any) -> str:
    """A short description of a bad value for the error text (never the whole value)."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


@dataclass(frozen=True)
class Field:
    """The rule for one field: kind, presence, range; nested rules for objects and lists."""

    name: str
    kind: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    """Characters of a string, items of a list."""
    items: str | None = None
    """Kind of every item of a list."""
    fields: tuple[Field, ...] = ()
    """Rules for the keys of an object."""
    nullable: bool = True
    """An optional field may be null (false: absent or a real value)."""

    def check(self, data: Data, where: str = "") -> Any:
        """The field's value (None when absent and optional); BadRequestError otherwise."""
        value = data.get(self.name)
        label = f"{where}{self.name!r}"
        if value is None:
            if self.required:
                raise BadRequestError(f"{label} is required")
            if not self.nullable and self.name in data:
                raise BadRequestError(f"{label} must not be null")
            return None
        _check_value(value, self, label)
        if self.kind == "dict" and self.fields:
            for child in self.fields:
                child.check(value, f"{label}.")
        return value


def _is_kind(value: object, kind: str) -> bool:
    # bool is an int in Python, never in a protocol field that asks for a number.
    return isinstance(value, _KINDS[kind]) and (kind == "bool" or not isinstance(value, bool))


def _check_value(value: Any, rule: Field, label: str) -> None:
    kind = rule.kind
    if not _is_kind(value, kind):
        raise BadRequestError(f"{label} must be {_NAMES[kind]}, got {_shown(value)}")
    if kind in ("int", "number"):
        _check_range(value, rule, label)
    elif kind in ("str", "list"):
        _check_length(len(value), rule, label)
    if kind == "str":
        _check_unicode(value, label)
    elif kind == "list" and rule.items is not None:
        item_rule = Field("", rule.items)
        for index, item in enumerate(value):
            if item is None:
                raise BadRequestError(f"{label}[{index}] must be {_NAMES[rule.items]}")
            _check_value(item, item_rule, f"{label}[{index}]")


def _check_range(number: float, rule: Field, label: str) -> None:
    # Compared as they are: an int of 400 digits does not fit a float.
    if isinstance(number, float) and not math.isfinite(number):
        raise BadRequestError(f"{label} must be a finite number, got {number}")
    if rule.minimum is not None and number < rule.minimum:
        raise BadRequestError(
            f"{label} must be at least {rule.minimum:g}, got {_shown_number(number)}"
        )
    if rule.maximum is not None and number > rule.maximum:
        raise BadRequestError(
            f"{label} must be at most {rule.maximum:g}, got {_shown_number(number)}"
        )


def _shown_number(number: float) -> str:
    text = repr(number)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"


def _check_length(length: int, rule: Field, label: str) -> None:
    if rule.max_length is not None and length > rule.max_length:
        unit = "characters" if rule.kind == "str" else "items"
        raise BadRequestError(f"{label} is too long: {length} {unit} (at most {rule.max_length})")


def _check_unicode(text: str, label: str) -> None:
    # JSON allows "\ud800" (a lone surrogate); it cannot be written back as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise BadRequestError(f"{label} is not valid Unicode ({err.reason})") from err


# -- helpers for handlers ----------------------------------------------------------------------


def require_str(data: Data, key: str, *, max_length: int | None = None, empty: bool = True) -> str:
    """data[key] as a string; `empty=False` refuses "" (and whitespace only)."""
    value: str = Field(key, "str", required=True, max_length=max_length).check(data)
    if not empty and not value.strip():
        raise BadRequestError(f"{key!r} must not be empty")
    return value


def optional_str(data: Data, key: str, *, max_length: int | None = None) -> str | None:
    """data[key] as a string, or None when absent or null."""
    value: str | None = Field(key, "str", max_length=max_length).check(data)
    return value


def require_int(
    data: Data, key: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """data[key] as an integer within [minimum, maximum]."""
    value: int = Field(key, "int", required=True, minimum=minimum, maximum=maximum).check(data)
    return value


def optional_int(
    data: Data, key: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """data[key] as an integer within [minimum, maximum], or None."""
    value: int | None = Field(key, "int", minimum=minimum, maximum=maximum).check(data)
    return value


def optional_number(
    data: Data, key: str, *, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    """data[key] as an int or float within [minimum, maximum], or None."""
    value: float | None = Field(key, "number", minimum=minimum, maximum=maximum).check(data)
    return value


def optional_bool(data: Data, key: str) -> bool | None:
    """data[key] as true/false, or None."""
    value: bool | None = Field(key, "bool").check(data)
    return value


def optional_dict(data: Data, key: str) -> dict[str, Any] | None:
    """data[key] as an object, or None."""
    value: dict[str, Any] | None = Field(key, "dict").check(data)
    return value


def optional_str_list(data: Data, key: str, *, max_items: int | None = None) -> list[str] | None:
    """data[key] as a list of strings, or None."""
    value: list[str] | None = Field(key, "list", max_length=max_items, items="str").check(data)
    return value


def audio_format(data: Data, limits: AudioLimits = EDGE_AUDIO_LIMITS) -> AudioFormat:
    """rate/width/channels of an audio-start or audio-chunk, within limits."""
    return AudioFormat(
        require_int(data, "rate", minimum=limits.min_rate, maximum=limits.max_rate),
        require_int(data, "width", minimum=1, maximum=limits.max_width),
        require_int(data, "channels", minimum=1, maximum=limits.max_channels),
    )
