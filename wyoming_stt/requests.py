"""The fields of the STT events, checked at the edge: what a client may send, and in what range.

Every check raises BadRequestError (answered `error {code: "bad-request"}`); the engine never
sees a field of the wrong type or an absurd audio format.
"""

from __future__ import annotations

from typing import Any

from wyoming.event import Event

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import BadRequestError

MIN_RATE = 8000
MAX_RATE = 48000
WIDTHS = (1, 2, 3, 4)
MAX_CHANNELS = 2
MAX_NAMES = 1000
MAX_NAME_CHARS = 200
MAX_LANGUAGE_CHARS = 35


def _data(event: Event) -> dict[str, Any]:
    data = event.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRequestError(f"{event.type}: data must be an object")
    return data


def _integer(event: Event, name: str, low: int, high: int) -> int:
    value = _data(event).get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequestError(f"{event.type}: {name!r} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise BadRequestError(f"{event.type}: {name!r} must be {low}-{high}, got {value}")
    return value


def audio_format(event: Event) -> AudioFormat:
    """rate/width/channels of audio-start or audio-chunk, within what STT accepts."""
    rate = _integer(event, "rate", MIN_RATE, MAX_RATE)
    width = _integer(event, "width", min(WIDTHS), max(WIDTHS))
    channels = _integer(event, "channels", 1, MAX_CHANNELS)
    return AudioFormat(rate, width, channels)


def _optional_text(event: Event, name: str, limit: int) -> str | None:
    value = _data(event).get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{event.type}: {name!r} must be a string, got {value!r}")
    if len(value) > limit:
        raise BadRequestError(f"{event.type}: {name!r} is longer than {limit} characters")
    _encodable(event, name, value)
    return value


def _encodable(event: Event, name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise BadRequestError(f"{event.type}: {name!r} is not valid text") from err


def _optional_names(event: Event, name: str) -> tuple[str, ...]:
    value = _data(event).get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequestError(f"{event.type}: {name!r} must be a list of strings")
    if len(value) > MAX_NAMES or any(len(item) > MAX_NAME_CHARS for item in value):
        raise BadRequestError(
            f"{event.type}: {name!r} allows {MAX_NAMES} names of {MAX_NAME_CHARS} characters"
        )
    for item in value:
        _encodable(event, name, item)
    return tuple(value)


def transcribe_options(event: Event) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """language, transcript_names and transcript_terms of a `transcribe` event."""
    _optional_text(event, "name", MAX_NAME_CHARS)
    context = _data(event).get("context")
    if context is not None and not isinstance(context, dict):
        raise BadRequestError(f"{event.type}: 'context' must be an object")
    language = _optional_text(event, "language", MAX_LANGUAGE_CHARS)
    names = _optional_names(event, "transcript_names")
    terms = _optional_names(event, "transcript_terms")
    return language, names, terms


def chunk_audio(event: Event) -> bytes:
    """The payload of an audio-chunk (empty when there is none)."""
    payload = event.payload
    if payload is not None and not isinstance(payload, bytes | bytearray):
        raise BadRequestError(f"{event.type}: the payload must be bytes")
    return bytes(payload or b"")
