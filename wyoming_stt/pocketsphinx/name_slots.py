"""Which names a grammar slot takes: the verbs of a command act on some kinds of device only.

Home Assistant's own sentences are bound to domains: "open" needs a cover, "dim" a light,
"pause" a media player, "activate" a scene or script. The grammar does the same with typed
slots, so a mishearing cannot become "open the ceiling lights" or "unpause the shopping list":
such a path does not exist, and the recogniser either finds the right phrase or rejects.

A name whose domain is known (from Home Assistant, or a `light: Desk Lamp` line in
--names-file) fills `{name}` and the typed slots of its domain; a name without one (a plain
--names-file line, a client's names, the generic device words) fills every slot.
"""

from __future__ import annotations

from collections.abc import Callable

NAME_SLOT = "{name}"
AREA_SLOT = "{area}"
NUMBER_SLOT = "{number}"
COUNT_SLOT = "{count}"
"""A number a plural noun follows: zero, two to one hundred (`one minute`, `five minutes`)."""

# Domains nothing is switched on or off in: they are read (sensors, people, weather), or have
# verbs of their own (lock/unlock, open/close: "turn off the front door" is not how people
# unlock one, and a mishearing must not become it), or are pressed or set to a value.
_NOT_ON_OFF = frozenset(
    (
        "sensor", "binary_sensor", "weather", "todo", "person", "device_tracker", "zone",
        "sun", "calendar", "event", "image", "update", "number", "input_number", "select",
        "input_select", "text", "input_text", "date", "time", "datetime", "input_datetime",
        "button", "input_button", "counter", "timer", "conversation", "tts", "stt",
        "wake_word", "assist_satellite", "cover", "valve", "lock", "alarm_control_panel",
    )
)  # fmt: skip


def _domains(*names: str) -> Callable[[str], bool]:
    allowed = frozenset(names)
    return allowed.__contains__


TYPED_SLOTS: dict[str, Callable[[str], bool]] = {
    "{on_off}": lambda domain: domain not in _NOT_ON_OFF,
    "{light}": _domains("light"),
    "{fan}": _domains("fan"),
    "{cover}": _domains("cover", "valve"),
    "{lock}": _domains("lock"),
    "{media_player}": _domains("media_player"),
    "{climate}": _domains("climate", "water_heater"),
    "{runnable}": _domains("scene", "script", "automation"),
    "{cleaner}": _domains("vacuum", "lawn_mower"),
    "{button}": _domains("button", "input_button"),
}
"""Typed slot → whether a name of that Home Assistant domain fills it."""

SLOTS = (NAME_SLOT, AREA_SLOT, NUMBER_SLOT, COUNT_SLOT, *TYPED_SLOTS)


def slot_takes(slot: str, domains: frozenset[str]) -> bool:
    """Whether a name of these domains fills the typed slot (no domain known: every slot)."""
    return not domains or any(TYPED_SLOTS[slot](domain) for domain in domains)
