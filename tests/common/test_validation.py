"""Validation at the edge: field helpers and the rules for the standard Wyoming events."""

from __future__ import annotations

from typing import Any

import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.ping import Ping
from wyoming.timer import TimerStarted, TimerUpdated
from wyoming.tts import Synthesize, SynthesizeStart, SynthesizeVoice

from wyoming_common.audio import AudioFormat, AudioLimits
from wyoming_common.errors import BadRequestError
from wyoming_common.event_rules import validate_event
from wyoming_common.validation import (
    Field,
    audio_format,
    optional_bool,
    optional_dict,
    optional_int,
    optional_number,
    optional_str,
    optional_str_list,
    require_int,
    require_str,
)


def test_require_str() -> None:
    assert require_str({"text": "hi"}, "text") == "hi"
    assert require_str({"text": ""}, "text") == ""
    with pytest.raises(BadRequestError, match="'text' is required"):
        require_str({}, "text")
    with pytest.raises(BadRequestError, match="'text' is required"):
        require_str({"text": None}, "text")
    with pytest.raises(BadRequestError, match="'text' must be a string, got int 5"):
        require_str({"text": 5}, "text")
    with pytest.raises(BadRequestError, match="must not be empty"):
        require_str({"text": "  "}, "text", empty=False)
    with pytest.raises(BadRequestError, match="too long: 11 characters"):
        require_str({"text": "x" * 11}, "text", max_length=10)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(BadRequestError, match="not valid Unicode"):
        require_str({"text": "a\ud800b"}, "text")
    assert require_str({"text": "emoji \U0001f600 ok"}, "text").endswith("ok")


def test_error_text_never_repeats_a_huge_value() -> None:
    with pytest.raises(BadRequestError) as info:
        require_str({"text": list(range(100_000))}, "text")
    assert len(str(info.value)) < 120


def test_numbers() -> None:
    assert require_int({"n": 3}, "n", minimum=1, maximum=3) == 3
    for bad in (True, 2.0, "2", [2]):
        with pytest.raises(BadRequestError, match="must be an integer"):
            require_int({"n": bad}, "n")
    with pytest.raises(BadRequestError, match="at least 1, got 0"):
        require_int({"n": 0}, "n", minimum=1)
    with pytest.raises(BadRequestError, match="at most 10"):
        optional_int({"n": 11}, "n", maximum=10)
    with pytest.raises(BadRequestError, match=r"at most 10, got 1000.*\(401 digits\)"):
        optional_int({"n": 10**400}, "n", maximum=10)
    assert optional_int({}, "n") is None
    assert optional_number({"x": 1.5}, "x", minimum=0) == 1.5
    assert optional_number({"x": 2}, "x") == 2
    for bad_number in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(BadRequestError, match="must be a finite number"):
            optional_number({"x": bad_number}, "x")
    with pytest.raises(BadRequestError, match="must be a number"):
        optional_number({"x": False}, "x")


def test_other_kinds() -> None:
    assert optional_str({"a": None}, "a") is None
    assert optional_bool({"a": True}, "a") is True
    with pytest.raises(BadRequestError, match="true or false"):
        optional_bool({"a": 1}, "a")
    assert optional_dict({"c": {"k": 1}}, "c") == {"k": 1}
    with pytest.raises(BadRequestError, match="must be an object"):
        optional_dict({"c": "x"}, "c")
    assert optional_str_list({"n": ["a", "b"]}, "n") == ["a", "b"]
    with pytest.raises(BadRequestError, match=r"'n'\[1\] must be a string"):
        optional_str_list({"n": ["a", 2]}, "n")
    with pytest.raises(BadRequestError, match=r"'n'\[0\] must be a string"):
        optional_str_list({"n": [None]}, "n")
    with pytest.raises(BadRequestError, match="3 items"):
        optional_str_list({"n": ["a"] * 3}, "n", max_items=2)


def test_audio_format_limits() -> None:
    assert audio_format({"rate": 44100, "width": 4, "channels": 2}) == AudioFormat(44100, 4, 2)
    for data in (
        {"rate": 192000, "width": 2, "channels": 1},
        {"rate": 0, "width": 2, "channels": 1},
        {"rate": 16000, "width": 5, "channels": 1},
        {"rate": 16000, "width": 2.0, "channels": 1},
        {"rate": 16000, "width": 2, "channels": 8},
        {"rate": "16000", "width": 2, "channels": 1},
        {"width": 2, "channels": 1},
    ):
        with pytest.raises(BadRequestError):
            audio_format(data)
    wide = AudioLimits(max_rate=96000, max_channels=8)
    assert audio_format({"rate": 96000, "width": 2, "channels": 8}, wide).channels == 8


VALID = [
    Ping(text="x").event(),
    Ping().event(),
    Transcribe(language="en").event(),
    Transcribe(language="en", transcript_names=["Kitchen"]).event(),
    AudioStart(rate=16000, width=2, channels=1, timestamp=None).event(),
    AudioChunk(rate=22050, width=2, channels=1, audio=b"\0\0", timestamp=12).event(),
    AudioStop().event(),
    Transcript(text="turn on the light", language="en", context={"a": 1}).event(),
    Synthesize(text="Hello.", voice=SynthesizeVoice(name="joe", language="en")).event(),
    Synthesize(text="Hello.").event(),
    SynthesizeStart(voice=SynthesizeVoice(language="en_US")).event(),
    TimerStarted(id="t1", total_seconds=30, name="tea").event(),
    TimerUpdated(id="t1", is_active=False, total_seconds=10).event(),
    Error(text="oops", code="stt-failed").event(),
    Event("run-satellite"),
    Event("describe"),
    Event("something-new", {"anything": [1, {"x": None}]}),
]


@pytest.mark.parametrize("event", VALID, ids=[e.type for e in VALID])
def test_what_real_clients_send_passes(event: Event) -> None:
    validate_event(event)


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("synthesize", {}, "'text' is required"),
    ("synthesize", {"text": 5}, "'text' must be a string"),
    ("synthesize", {"text": "a\udc80"}, "not valid Unicode"),
    ("synthesize", {"text": "hi", "voice": "x"}, "'voice' must be an object"),
    ("synthesize", {"text": "hi", "voice": 5}, "'voice' must be an object"),
    ("synthesize", {"text": "hi", "voice": {"name": 5}}, "'voice'.'name' must be a string"),
    ("synthesize-chunk", {"text": None}, "'text' is required"),
    ("transcript", {"text": 5}, "'text' must be a string"),
    ("transcribe", {"language": ["en"]}, "'language' must be a string"),
    ("transcribe", {"transcript_names": "kitchen"}, "must be a list"),
    ("audio-start", {"rate": 16000, "width": 2.0, "channels": 1}, "'width' must be an integer"),
    ("audio-start", {"rate": 0, "width": 2, "channels": 1}, "'rate' must be at least 8000"),
    ("audio-start", {"rate": "x", "width": 2, "channels": 1}, "'rate' must be an integer"),
    ("audio-chunk", {"rate": 16000, "width": 2}, "'channels' is required"),
    ("audio-stop", {"timestamp": "soon"}, "'timestamp' must be a number"),
    ("ping", {"text": {"a": 1}}, "'text' must be a string"),
    ("timer-started", {"id": "t", "total_seconds": -1}, "at least 0"),
    ("timer-updated", {"id": "t", "total_seconds": 1}, "'is_active' is required"),
    ("timer-cancelled", {"id": 7}, "'id' must be a string"),
    ("error", {"text": 1}, "'text' must be a string"),
    ("error", {"code": "x"}, "'text' is required"),
    ("synthesize", {"text": "hi", "voice": None}, "'voice' must not be null"),
    ("synthesize-start", {"voice": None}, "'voice' must not be null"),
    (
        "audio-chunk",
        {"rate": 16000, "width": 2, "channels": 1, "timestamp": float("inf")},
        "finite",
    ),
    ("detection", {"name": "ok_nabu", "context": []}, "'context' must be an object"),
]


@pytest.mark.parametrize(("kind", "data", "message"), INVALID)
def test_bad_fields_are_bad_requests(kind: str, data: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequestError, match=message) as info:
        validate_event(Event(kind, data))
    assert info.value.code == "bad-request"
    assert str(info.value).startswith(f"{kind}: ")


def test_services_add_their_own_rules() -> None:
    rules = {"synthesize": (Field("text", "str", required=True, max_length=10),)}
    with pytest.raises(BadRequestError, match="too long"):
        validate_event(Event("synthesize", {"text": "x" * 11}), rules)
    validate_event(Event("audio-start", {"rate": 0}), rules)  # not in these rules
