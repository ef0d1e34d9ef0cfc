"""The TTS events a client sends, checked at the edge and read into our own values.

Every field is checked for presence, type and valid Unicode before anything else sees it, so a
malformed `synthesize` / `synthesize-start` / `synthesize-chunk` ends in `error {code:
"bad-request"}` naming the field, never in an internal error. The field checks are generic
(`text_field`, `object_field`) so they can move to the shared runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event

from wyoming_common.errors import BadRequestError

from .voice_choice import VoiceRequest

DEFAULT_MAX_TEXT_CHARS = 10_000


@dataclass(frozen=True)
class SpeakRequest:
    """A `synthesize` event: the text and the voice asked for."""

    text: str
    voice: VoiceRequest


def _data(event: Event) -> Mapping[str, Any]:
    if not isinstance(event.data, Mapping):
        raise BadRequestError(f"{event.type}: data must be an object")
    return event.data


def text_field(
    data: Mapping[str, Any], event_type: str, key: str, *, required: bool = False
) -> str | None:
    """A string field (None when absent and optional); valid Unicode (no lone surrogates)."""
    value = data.get(key)
    if value is None:
        if required:
            raise BadRequestError(f"{event_type}: {key!r} is required")
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{event_type}: {key!r} must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise BadRequestError(f"{event_type}: {key!r} is not valid Unicode") from err
    return value


def object_field(data: Mapping[str, Any], event_type: str, key: str) -> Mapping[str, Any] | None:
    """An optional JSON object field."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BadRequestError(
            f"{event_type}: {key!r} must be an object, not {type(value).__name__}"
        )
    return value


def _voice(data: Mapping[str, Any], event_type: str) -> VoiceRequest:
    voice = object_field(data, event_type, "voice")
    if voice is None:
        return VoiceRequest()
    where = f"{event_type} voice"
    return VoiceRequest(
        name=text_field(voice, where, "name"),
        speaker=text_field(voice, where, "speaker"),
        language=text_field(voice, where, "language"),
    )


def _capped(text: str, event_type: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise BadRequestError(
            f"{event_type}: text of {len(text)} characters is over the limit of {max_chars} "
            "(--max-text-chars)"
        )
    return text


def read_synthesize(event: Event, max_chars: int = DEFAULT_MAX_TEXT_CHARS) -> SpeakRequest:
    """`synthesize {text, voice?}`."""
    data = _data(event)
    text = text_field(data, event.type, "text", required=True)
    assert text is not None
    return SpeakRequest(_capped(text, event.type, max_chars), _voice(data, event.type))


def read_synthesize_start(event: Event) -> VoiceRequest:
    """`synthesize-start {voice?}`."""
    return _voice(_data(event), event.type)


def read_synthesize_chunk(event: Event, max_chars: int = DEFAULT_MAX_TEXT_CHARS) -> str:
    """`synthesize-chunk {text}`."""
    text = text_field(_data(event), event.type, "text", required=True)
    assert text is not None
    return _capped(text, event.type, max_chars)
