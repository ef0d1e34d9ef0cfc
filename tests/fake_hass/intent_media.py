"""Media player intents: pause (only playing players), resume (what the last pause paused),
next/previous track (playing players with the feature), volume, mute."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import intent_slots as sl
from .intent import IntentCall, IntentResponse
from .intent_match import Constraints, MatchResult
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
}
