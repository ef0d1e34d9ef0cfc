"""Malformed Wyoming frames, reproducible from a seed: broken headers, lying lengths, deep
JSON, wrong field types and ranges, events out of order, payloads where none belong."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

EVENT_TYPES = (
    "describe", "ping", "transcribe", "audio-start", "audio-chunk", "audio-stop",
    "transcript", "transcript-chunk", "synthesize", "synthesize-start", "synthesize-chunk",
    "synthesize-stop", "recognize", "run-satellite", "pause-satellite", "detect", "detection",
    "voice-started", "voice-stopped", "timer-started", "timer-updated", "timer-cancelled",
    "timer-finished", "error", "played", "run-pipeline", "handled", "not-handled",
    "not-a-real-event", "",
)  # fmt: skip

FIELDS = (
    "text", "rate", "width", "channels", "timestamp", "language", "name", "voice", "context",
    "names", "id", "total_seconds", "is_active", "code", "speaker", "transcript_names",
    "start_stage", "end_stage",
)  # fmt: skip

# Raw JSON snippets (not Python values) so NaN, Infinity, escapes and huge numbers go out as is.
WEIRD_VALUES = (
    "null", "true", "false", "0", "-1", "1", "2.0", "1.5", "-0.0", "1e308", "-1e308",
    "NaN", "Infinity", "-Infinity", "9223372036854775808", "-9223372036854775809",
    "1" + "0" * 400, '""', '"x"', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"a\\nb"',
    '"' + "a" * 5000 + '"', "[]", "[1, 2]", '["a", null]', "{}", '{"name": 5}',
    '{"a": {"b": {"c": []}}}', "[" * 40 + "]" * 40, "[" + ", ".join(["1"] * 2000) + "]",
    '"16000"', '{"name": "x", "language": ["en"], "speaker": {}}',
)  # fmt: skip

GOOD = {
    "audio-start": {"rate": 16000, "width": 2, "channels": 1},
    "audio-chunk": {"rate": 16000, "width": 2, "channels": 1},
    "synthesize": {"text": "Hello there."},
    "transcript": {"text": "what time is it"},
    "transcribe": {"language": "en"},
    "timer-started": {"id": "t1", "total_seconds": 5},
}


def _line(header: dict[str, Any]) -> bytes:
    return json.dumps(header).encode() + b"\n"


def _event(kind: str, data: dict[str, Any] | None = None, payload: bytes = b"") -> bytes:
    header: dict[str, Any] = {"type": kind, "version": "1.10.2"}
    block = json.dumps(data).encode() if data is not None else b""
    if block:
        header["data_length"] = len(block)
    if payload:
        header["payload_length"] = len(payload)
    return _line(header) + block + payload


def garbage_line(rng: random.Random) -> bytes:
    return (
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b"") + b"\n"
    )


def not_an_object(rng: random.Random) -> bytes:
    return rng.choice(WEIRD_VALUES).encode() + b"\n"


def bad_lengths(rng: random.Random) -> bytes:
    key = rng.choice(("data_length", "payload_length"))
    value = rng.choice(("-1", "1.5", '"10"', "true", "null", "1e9", "99999999999", "[]", "NaN"))
    return f'{{"type": "{rng.choice(EVENT_TYPES)}", "{key}": {value}}}\n'.encode()


def lying_lengths(rng: random.Random) -> bytes:
    # Announce more than is sent: the rest of the stream (our describe) becomes the block.
    announced = rng.randrange(1, 5000)
    key = rng.choice(("data_length", "payload_length"))
    sent = bytes(rng.randrange(256) for _ in range(rng.randrange(0, announced)))
    return _line({"type": rng.choice(EVENT_TYPES), key: announced}) + sent


def deep_json(rng: random.Random) -> bytes:
    depth = rng.choice((33, 100, 1000, 5000, 20000))
    nested = "[" * depth + "]" * depth
    if rng.random() < 0.5:
        return f'{{"type": "ping", "data": {{"text": {nested}}}}}\n'.encode()[: 60 * 1024] + b"\n"
    block = f'{{"text": {nested}}}'.encode()
    return _line({"type": rng.choice(EVENT_TYPES), "data_length": len(block)}) + block


def bad_data_block(rng: random.Random) -> bytes:
    block = rng.choice((b"[1]", b'"s"', b"{bad", b"\xff\xfe", b"null", b"{}" * 3, b"NaN"))
    return _line({"type": rng.choice(EVENT_TYPES), "data_length": len(block)}) + block


def weird_field(rng: random.Random) -> bytes:
    kind = rng.choice(EVENT_TYPES)
    fields = dict(GOOD.get(kind, {}))
    raw_fields = [f'"{k}": {json.dumps(v)}' for k, v in fields.items()]
    for _ in range(rng.randrange(1, 4)):
        raw_fields.append(f'"{rng.choice(FIELDS)}": {rng.choice(WEIRD_VALUES)}')
    data = "{" + ", ".join(raw_fields) + "}"
    if rng.random() < 0.5:
        return f'{{"type": "{kind}", "data": {data}}}\n'.encode()
    block = data.encode()
    return _line({"type": kind, "data_length": len(block)}) + block


def out_of_order(rng: random.Random) -> bytes:
    pieces = []
    for _ in range(rng.randrange(1, 6)):
        kind = rng.choice(("audio-start", "audio-chunk", "audio-stop", "transcribe",
                           "synthesize-start", "synthesize-chunk", "synthesize-stop",
                           "run-satellite", "pause-satellite", "timer-finished"))  # fmt: skip
        data = dict(GOOD.get(kind, {}))
        if kind == "audio-chunk" and rng.random() < 0.5:
            data["rate"] = rng.choice((8000, 22050, 48000))
        if kind == "synthesize-chunk":
            data["text"] = rng.choice(("Hi. ", "", "x" * 300))
        payload = bytes(rng.randrange(0, 4000)) if kind == "audio-chunk" else b""
        pieces.append(_event(kind, data, payload))
    return b"".join(pieces)


def stray_payload(rng: random.Random) -> bytes:
    kind = rng.choice(EVENT_TYPES)
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    return _event(kind or "ping", GOOD.get(kind), payload)


def broken_unicode(rng: random.Random) -> bytes:
    return rng.choice((
        b'{"type": "ping", "data": {"text": "\xff\xfe"}}\n',
        b'\xef\xbb\xbf{"type": "describe"}\n',
        b'{"type": "synthesize", "data": {"text": "\\ud83d"}}\n',
        b'{"type": "transcript", "data": {"text": "\\udc00abc"}}\n',
        b'{"type": "\\ud800"}\n',
        '{"type": "ping", "data": {"text": "\u2028\u2029"}}\n'.encode(),
    ))  # fmt: skip


def header_too_long(rng: random.Random) -> bytes:
    return b'{"type": "ping", "data": {"text": "' + b"a" * rng.choice((70_000, 200_000)) + b'"}}\n'


def huge_announcement(rng: random.Random) -> bytes:
    key = rng.choice(("data_length", "payload_length"))
    return _line({"type": "audio-chunk", key: rng.choice((10**7, 10**12, 2**63 - 1))})


GENERATORS: tuple[Callable[[random.Random], bytes], ...] = (
    garbage_line, not_an_object, bad_lengths, lying_lengths, deep_json, bad_data_block,
    weird_field, weird_field, weird_field, out_of_order, out_of_order, stray_payload,
    broken_unicode, header_too_long, huge_announcement,
)  # fmt: skip


def malformed_frames(count: int, seed: int = 14) -> Iterator[tuple[str, bytes]]:
    """count (generator name, frame) pairs; the same seed gives the same frames."""
    rng = random.Random(seed)
    for _ in range(count):
        generator = rng.choice(GENERATORS)
        yield generator.__name__, generator(rng)
