"""Media player intents: pause (only playing players), resume (what the last pause paused),
next/previous track (playing players with the feature), volume (absolute and relative), mute,
search-and-play."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import intent_slots as sl
from .intent import IntentCall, IntentHandleError, IntentResponse
from .intent_match import (
    Constraints,
    MatchFailedError,
    MatchResult,
    Preferences,
    Reason,
    match_targets,
)
from .intent_service import ServiceIntent

_MEDIA = frozenset({"media_player"})


class MediaPauseIntent(ServiceIntent):
    """HassMediaPause: remembers what it paused for a later bare "resume"."""

    def handle_states(
        self, call: IntentCall, result: MatchResult, constraints: Constraints
    ) -> IntentResponse:
        """Record, then pause."""
        memory = call.house.intent_state.last_paused
        memory.update(call.context, [s.entity_id for s in result.states], time.time())
        return super().handle_states(call, result, constraints)


class MediaUnpauseIntent(ServiceIntent):
    """HassMediaUnpause: without a name, resumes only what was last paused (or the player
    that changed most recently since, outside that pause)."""

    def handle_states(
        self, call: IntentCall, result: MatchResult, constraints: Constraints
    ) -> IntentResponse:
        """Narrow the targets by the pause memory, then play."""
        memory = call.house.intent_state.last_paused
        if not constraints.name and memory.timestamp is not None:
            since = [
                s
                for s in result.states
                if s.last_changed.timestamp() > memory.timestamp and s.context != memory.context
            ]
            if since:
                result.states = [max(since, key=lambda s: s.last_changed)]
            elif overlap := [s for s in result.states if s.entity_id in memory.entity_ids]:
                result.states = overlap
            memory.clear()
        return super().handle_states(call, result, constraints)


class MuteIntent(ServiceIntent):
    """HassMediaPlayerMute/Unmute: the handler sets `is_volume_muted` itself."""

    muted: bool = True

    def prepare(self, slots: dict[str, Any]) -> dict[str, Any]:
        """Force the slot, whatever the caller sent."""
        return {**slots, "is_volume_muted": self.muted}


def _mute(intent_type: str, muted: bool) -> MuteIntent:
    handler = MuteIntent(
        intent_type,
        "media_player",
        "volume_mute",
        required_domains=_MEDIA,
        required_features=8,
        device_classes=sl.MEDIA_CLASSES,
        optional_slots={"is_volume_muted": ("is_volume_muted", sl.boolean)},
    )
    handler.muted = muted
    return handler


def _media(intent_type: str, service: str, features: int | None, playing: bool) -> ServiceIntent:
    return ServiceIntent(
        intent_type,
        "media_player",
        service,
        required_domains=_MEDIA,
        required_features=features,
        required_states=frozenset({"playing"}) if playing else None,
        device_classes=sl.MEDIA_CLASSES,
    )


def _volume(value: Any) -> float:
    return float(sl.percentage(value)) / 100


def _volume_step(value: Any) -> str | float:
    if value in ("up", "down"):
        return str(value)
    return float(sl.int_range(-100, 100)(value)) / 100


_PLACES: dict[Any, sl.Slot] = {
    "name": sl.Slot(sl.string),
    "area": sl.Slot(sl.string),
    "floor": sl.Slot(sl.string),
    "preferred_area_id": sl.Slot(sl.string),
    "preferred_floor_id": sl.Slot(sl.string),
}


def _match(call: IntentCall, slots: dict[str, Any], **constraints: Any) -> Constraints:
    """The constraints for a media player named or placed by the slots."""
    return Constraints(
        name=slots.get("name"),
        area_name=slots.get("area"),
        floor_name=slots.get("floor"),
        domains=_MEDIA,
        assistant=call.assistant,
        **constraints,
    )


def volume_relative(call: IntentCall) -> IntentResponse:
    """HassSetVolumeRelative: up/down (HA's step, 0.1) or ±percent; several players without a
    name means the playing ones."""
    slots = sl.validate(call.slots, {**_PLACES, "volume_step": sl.Slot(_volume_step, True)})
    constraints = _match(call, slots, features=4)
    prefs = Preferences(slots.get("preferred_area_id"), slots.get("preferred_floor_id"))
    result = match_targets(call.house, constraints, prefs)
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    states = result.states
    if len(states) > 1 and "name" not in call.slots:
        states = [s for s in states if s.state == "playing"]
        if not states:
            raise MatchFailedError(MatchResult(False, Reason.STATE), constraints)
    step = slots["volume_step"]
    for state in states:
        target_ids = {"entity_id": state.entity_id}
        if step in ("up", "down"):
            call.house.call_service(
                "media_player", f"volume_{step}", {}, target_ids, context=call.context
            )
            continue
        level = float(state.attributes.get("volume_level") or 0) + float(step)
        data = {"volume_level": max(0.0, min(1.0, level))}
        call.house.call_service(
            "media_player", "volume_set", data, target_ids, context=call.context
        )
    return IntentResponse(call.language)


_MEDIA_CLASSES = [
    "album",
    "app",
    "artist",
    "channel",
    "composer",
    "contributing_artist",
    "directory",
    "episode",
    "game",
    "genre",
    "image",
    "movie",
    "music",
    "playlist",
    "podcast",
    "season",
    "track",
    "tv_show",
    "url",
    "video",
]


def search_and_play(call: IntentCall) -> IntentResponse:
    """HassMediaSearchAndPlay: the fake has no media library, so a matched player finds
    nothing ("No results found for …"), as HA answers an empty search."""
    schema = {
        **_PLACES,
        "search_query": sl.Slot(sl.string, True),
        "media_class": sl.Slot(sl.one_of(_MEDIA_CLASSES)),
    }
    slots = sl.validate(call.slots, schema)
    constraints = _match(call, slots, features=4194304 | 512, single_target=True)
    prefs = Preferences(slots.get("preferred_area_id"), slots.get("preferred_floor_id"))
    result = match_targets(call.house, constraints, prefs)
    if not result.is_match:
        raise MatchFailedError(result, constraints)
    raise IntentHandleError(f"No results found for {slots['search_query']}")


HANDLERS: dict[str, Callable[[IntentCall], IntentResponse]] = {
    "HassMediaPause": MediaPauseIntent(
        "HassMediaPause",
        "media_player",
        "media_pause",
        required_domains=_MEDIA,
        required_features=1,
        required_states=frozenset({"playing"}),
        device_classes=sl.MEDIA_CLASSES,
    ),
    "HassMediaUnpause": MediaUnpauseIntent(
        "HassMediaUnpause",
        "media_player",
        "media_play",
        required_domains=_MEDIA,
        device_classes=sl.MEDIA_CLASSES,
    ),
    "HassMediaNext": _media("HassMediaNext", "media_next_track", 32, playing=True),
    "HassMediaPrevious": _media("HassMediaPrevious", "media_previous_track", 16, playing=True),
    "HassSetVolume": ServiceIntent(
        "HassSetVolume",
        "media_player",
        "volume_set",
        required_domains=_MEDIA,
        required_features=4,
        device_classes=sl.MEDIA_CLASSES,
        required_slots={"volume_level": ("volume_level", _volume)},
    ),
    "HassMediaPlayerMute": _mute("HassMediaPlayerMute", True),
    "HassMediaPlayerUnmute": _mute("HassMediaPlayerUnmute", False),
    "HassSetVolumeRelative": volume_relative,
    "HassMediaSearchAndPlay": search_and_play,
}
