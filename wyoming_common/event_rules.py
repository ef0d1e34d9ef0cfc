"""The rules for the standard Wyoming events a service may receive, and the check the base
handler runs on every incoming event before `handle_request` sees it."""

from __future__ import annotations

from collections.abc import Mapping

from wyoming.event import Event

from .audio import EDGE_AUDIO_LIMITS, AudioLimits
from .errors import BadRequestError
from .validation import Field

_TIMESTAMP = Field("timestamp", "number", minimum=0)
_CONTEXT = Field("context", "dict")
_LANGUAGE = Field("language", "str", max_length=64)
_VOICE = Field(  # the library's parser fails on a null voice
    "voice",
    "dict",
    nullable=False,
    fields=(
        Field("name", "str", max_length=256),
        Field("language", "str", max_length=64),
        Field("speaker", "str", max_length=256),
    ),
)
_TIMER_ID = Field("id", "str", required=True, max_length=256)


def _audio_fields(limits: AudioLimits) -> tuple[Field, ...]:
    return (
        Field("rate", "int", required=True, minimum=limits.min_rate, maximum=limits.max_rate),
        Field("width", "int", required=True, minimum=1, maximum=limits.max_width),
        Field("channels", "int", required=True, minimum=1, maximum=limits.max_channels),
        _TIMESTAMP,
    )


def standard_events(limits: AudioLimits = EDGE_AUDIO_LIMITS) -> dict[str, tuple[Field, ...]]:
    """Rules for the Wyoming events a service may receive (others pass unchecked)."""
    audio = _audio_fields(limits)
    return {
        "ping": (Field("text", "str", max_length=1024),),
        "audio-start": audio,
        "audio-chunk": audio,
        "audio-stop": (_TIMESTAMP,),
        "transcribe": (
            Field("name", "str", max_length=256),
            _LANGUAGE,
            _CONTEXT,
            Field("vad_sensitivity", "str", max_length=32),
            Field("transcript_names", "list", items="str", max_length=10_000),
            Field("transcript_terms", "list", items="str", max_length=10_000),
        ),
        "transcript": (Field("text", "str", required=True), _LANGUAGE, _CONTEXT),
        "transcript-chunk": (Field("text", "str", required=True),),
        "recognize": (Field("text", "str", required=True), _CONTEXT),
        "synthesize": (
            Field("text", "str", required=True),
            _VOICE,
            Field("text_format", "str", max_length=32),
            _CONTEXT,
        ),
        "synthesize-start": (_VOICE, Field("text_format", "str", max_length=32), _CONTEXT),
        "synthesize-chunk": (Field("text", "str", required=True),),
        "detect": (Field("names", "list", items="str", max_length=256), _CONTEXT),
        "detection": (
            Field("name", "str", max_length=256),
            _TIMESTAMP,
            Field("speaker", "str", max_length=256),
            _CONTEXT,
        ),
        "voice-started": (_TIMESTAMP,),
        "voice-stopped": (_TIMESTAMP,),
        "error": (Field("text", "str", required=True), Field("code", "str", max_length=256)),
        "timer-started": (
            _TIMER_ID,
            Field("total_seconds", "int", required=True, minimum=0),
            Field("name", "str", max_length=256),
            Field("start_hours", "int", minimum=0),
            Field("start_minutes", "int", minimum=0),
            Field("start_seconds", "int", minimum=0),
        ),
        "timer-updated": (
            _TIMER_ID,
            Field("is_active", "bool", required=True),
            Field("total_seconds", "int", required=True, minimum=0),
        ),
        "timer-cancelled": (_TIMER_ID,),
        "timer-finished": (_TIMER_ID,),
    }


STANDARD_EVENTS = standard_events()


def validate_event(event: Event, rules: Mapping[str, tuple[Field, ...]] = STANDARD_EVENTS) -> None:
    """Check event against its rules; BadRequestError names the event and the field."""
    fields = rules.get(event.type)
    if not fields:
        return
    try:
        for field in fields:
            field.check(event.data)
    except BadRequestError as err:
        raise BadRequestError(f"{event.type}: {err}") from None
