"""Home Assistant's intents as the agent uses them: what each targets, which features and
states it needs, its own arguments, and whether the model may call it as a tool.

This table is the action allowlist: nothing outside it is ever sent to `/api/intent/handle`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Kind(enum.StrEnum):
    """How an intent is carried out."""

    TARGET = "target"  # acts on entities (resolved, checked and called one by one)
    QUERY = "query"  # reads entities (HA resolves; the answer comes from live states)
    TIMER = "timer"  # the speaking device's timers
    LIST = "list"  # a to-do list item
    LOCAL = "local"  # needs no Home Assistant (time, date, never mind)
    PASS = "pass"  # handed to HA as said (broadcast, media search, relative volume)


ON_DOMAINS = frozenset(
    {"light", "switch", "fan", "input_boolean", "media_player", "climate", "cover", "valve",
     "lock", "script", "scene", "button", "input_button", "humidifier", "automation", "siren",
     "remote", "water_heater"}
)  # fmt: skip
OFF_DOMAINS = ON_DOMAINS - {"scene", "button", "input_button"}
# Feature bits HA checks before calling (media_player, vacuum, climate, lawn mower).
PAUSE, PREVIOUS, NEXT, VOLUME_SET, VOLUME_MUTE = 1, 16, 32, 4, 8
VACUUM_START, VACUUM_RETURN = 8192, 16
TARGET_TEMPERATURE = 1
MOWER_START, MOWER_DOCK = 1, 2


def _int(low: int, high: int, description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "description": description}


_DURATION = {
    "hours": _int(0, 23, "hours"),
    "minutes": _int(0, 59, "minutes"),
    "seconds": _int(0, 59, "seconds"),
}
_TIMER_NAME = {"name": {"type": "string", "description": "the timer's name, only if one was said"}}


@dataclass(frozen=True)
class IntentSpec:
    """One intent of Home Assistant and how the agent uses it."""

    name: str
    kind: Kind
    description: str
    domains: frozenset[str] | None = None  # entities it can target (None: no entity target)
    features: Mapping[str, int] = field(default_factory=dict)  # domain → required bits
    states: frozenset[str] | None = None  # targets must be in one of these states
    args: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # own arguments (schema)
    required: tuple[str, ...] = ()
    spoken_values: tuple[str, ...] = ()  # arguments whose numbers must come from the words
    tool: bool = True  # offered to the model
    single_target: bool = False

    @property
    def changes_home(self) -> bool:
        """True when carrying it out changes something (policy, rate limit, audit)."""
        return self.kind in (Kind.TARGET, Kind.TIMER, Kind.LIST, Kind.PASS)

    def feature_bits(self, domain: str) -> int:
        """The feature bits an entity of this domain needs for the intent."""
        return int(self.features.get(domain, 0))


def _target(name: str, description: str, domains: frozenset[str], **kwargs: Any) -> IntentSpec:
    return IntentSpec(name, Kind.TARGET, description, domains, **kwargs)


_SPECS: tuple[IntentSpec, ...] = (
    _target(
        "HassTurnOn",
        "Turns on, opens, starts or activates a device, scene or script; for locks it locks.",
        ON_DOMAINS,
    ),
    _target(
        "HassTurnOff",
        "Turns off or closes a device; for locks it unlocks.",
        OFF_DOMAINS,
    ),
    _target(
        "HassLightSet",
        "Sets the brightness (percent) or color of lights.",
        frozenset({"light"}),
        args={
            "brightness": _int(0, 100, "brightness in percent"),
            "color": {"type": "string", "description": "a color name"},
            "temperature": _int(1000, 10000, "color temperature in kelvin"),
        },
        spoken_values=("brightness", "temperature"),
    ),
    _target(
        "HassSetPosition",
        "Sets the position (percent open) of a cover or valve.",
        frozenset({"cover", "valve"}),
        args={"position": _int(0, 100, "percent open")},
        required=("position",),
        spoken_values=("position",),
    ),
    _target(
        "HassClimateSetTemperature",
        "Sets the target temperature of a thermostat.",
        frozenset({"climate"}),
        features={"climate": TARGET_TEMPERATURE},
        args={"temperature": {"type": "number", "minimum": 5, "maximum": 95}},
        required=("temperature",),
        spoken_values=("temperature",),
        single_target=True,
    ),
    _target(
        "HassFanSetSpeed",
        "Sets a fan's speed in percent.",
        frozenset({"fan"}),
        args={"percentage": _int(0, 100, "speed in percent")},
        required=("percentage",),
        spoken_values=("percentage",),
    ),
    _target(
        "HassMediaPause",
        "Pauses what a media player is playing.",
        frozenset({"media_player"}),
        features={"media_player": PAUSE},
        states=frozenset({"playing"}),
    ),
    _target(
        "HassMediaUnpause",
        "Resumes a paused media player.",
        frozenset({"media_player"}),
    ),
    _target(
        "HassMediaNext",
        "Skips to the next track.",
        frozenset({"media_player"}),
        features={"media_player": NEXT},
        states=frozenset({"playing"}),
    ),
    _target(
        "HassMediaPrevious",
        "Goes back to the previous track.",
        frozenset({"media_player"}),
        features={"media_player": PREVIOUS},
        states=frozenset({"playing"}),
    ),
    _target(
        "HassSetVolume",
        "Sets a media player's volume in percent.",
        frozenset({"media_player"}),
        features={"media_player": VOLUME_SET},
        args={"volume_level": _int(0, 100, "volume in percent")},
        required=("volume_level",),
        spoken_values=("volume_level",),
    ),
    _target(
        "HassMediaPlayerMute",
        "Mutes a media player.",
        frozenset({"media_player"}),
        features={"media_player": VOLUME_MUTE},
    ),
    _target(
        "HassMediaPlayerUnmute",
        "Unmutes a media player.",
        frozenset({"media_player"}),
        features={"media_player": VOLUME_MUTE},
    ),
    _target(
        "HassVacuumStart",
        "Starts a vacuum cleaner.",
        frozenset({"vacuum"}),
        features={"vacuum": VACUUM_START},
    ),
    _target(
        "HassVacuumReturnToBase",
        "Sends a vacuum cleaner back to its dock.",
        frozenset({"vacuum"}),
        features={"vacuum": VACUUM_RETURN},
    ),
    _target(
        "HassLawnMowerStartMowing",
        "Starts a lawn mower.",
        frozenset({"lawn_mower"}),
        features={"lawn_mower": MOWER_START},
    ),
    _target(
        "HassLawnMowerDock",
        "Sends a lawn mower back to its dock.",
        frozenset({"lawn_mower"}),
        features={"lawn_mower": MOWER_DOCK},
    ),
    IntentSpec(
        "HassGetState",
        Kind.QUERY,
        "Reads the current state of devices or sensors (is it on, open, locked; its value).",
        domains=frozenset(),  # any exposed entity
        args={"state": {"type": "string", "description": "the state asked about, e.g. on"}},
    ),
    IntentSpec(
        "HassClimateGetTemperature",
        Kind.QUERY,
        "Reads the current indoor temperature.",
        domains=frozenset({"climate", "sensor"}),
        tool=False,  # HassGetState reads thermometers too (HA's LLM API offers neither)
    ),
    IntentSpec("HassGetWeather", Kind.QUERY, "Reads the current weather.", frozenset({"weather"})),
    IntentSpec(
        "HassListAddItem",
        Kind.LIST,
        "Adds an item to a to-do or shopping list.",
        frozenset({"todo"}),
        args={"item": {"type": "string", "description": "the item, as the user said it"}},
        required=("item", "name"),
    ),
    IntentSpec(
        "HassListCompleteItem",
        Kind.LIST,
        "Checks off an item on a to-do or shopping list.",
        frozenset({"todo"}),
        args={"item": {"type": "string", "description": "the item, as the user said it"}},
        required=("item", "name"),
    ),
    IntentSpec(
        "HassStartTimer",
        Kind.TIMER,
        "Starts a timer on the device the user is speaking to.",
        args={**_DURATION, **_TIMER_NAME},
        spoken_values=("hours", "minutes", "seconds"),
    ),
    IntentSpec("HassCancelTimer", Kind.TIMER, "Cancels a timer.", args=dict(_TIMER_NAME)),
    IntentSpec("HassCancelAllTimers", Kind.TIMER, "Cancels every timer.", tool=False),
    IntentSpec("HassPauseTimer", Kind.TIMER, "Pauses a timer.", args=dict(_TIMER_NAME)),
    IntentSpec("HassUnpauseTimer", Kind.TIMER, "Resumes a paused timer.", args=dict(_TIMER_NAME)),
    IntentSpec(
        "HassTimerStatus",
        Kind.TIMER,
        "Tells how much time a timer has left.",
        args=dict(_TIMER_NAME),
    ),
    IntentSpec("HassIncreaseTimer", Kind.TIMER, "Adds time to a timer.", tool=False),
    IntentSpec("HassDecreaseTimer", Kind.TIMER, "Removes time from a timer.", tool=False),
    IntentSpec("HassGetCurrentTime", Kind.LOCAL, "The current time.", tool=False),
    IntentSpec("HassGetCurrentDate", Kind.LOCAL, "The current date.", tool=False),
    IntentSpec("HassNevermind", Kind.LOCAL, "Nothing to do.", tool=False),
    IntentSpec("HassBroadcast", Kind.PASS, "Broadcasts a message.", tool=False),
    IntentSpec("HassMediaSearchAndPlay", Kind.PASS, "Plays media.", tool=False),
    IntentSpec("HassSetVolumeRelative", Kind.PASS, "Volume up or down.", tool=False),
    IntentSpec("HassShoppingListAddItem", Kind.PASS, "Shopping list.", tool=False),
    IntentSpec("HassVacuumCleanArea", Kind.PASS, "Vacuums an area.", tool=False),
)
INTENTS: dict[str, IntentSpec] = {spec.name: spec for spec in _SPECS}
# Target slots every entity-targeting intent takes (HA's names).
TARGET_SLOTS = ("name", "area", "floor", "domain", "device_class")


def intent_spec(name: str) -> IntentSpec | None:
    """The spec of an intent the agent knows, or None."""
    return INTENTS.get(name)
