"""Reading Wyoming events from a stream with size and nesting limits (the library has none)."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event

from .errors import MalformedEventError, PayloadTooLargeError, ProtocolError


@dataclass(frozen=True)
class WireLimits:
    """Upper bounds on what one event may carry."""

    max_header_bytes: int = 64 * 1024
    max_data_bytes: int = 1024 * 1024
    max_payload_bytes: int = 4 * 1024 * 1024
    max_depth: int = 32
    """Deepest JSON nesting accepted in a header or data block (deeper: bad-request)."""


DEFAULT_LIMITS = WireLimits()

# Blocks bigger than this are read piece by piece: the stream's own buffer then stays small
# (flow control keeps working) and the memory of a client that stops half-way is only what
# it really sent, not what it announced.
_PIECE = 256 * 1024

# A JSON string (escapes included) or one bracket: enough to measure nesting without parsing.
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _check_depth(raw: bytes, limit: int, what: str) -> None:
    """Refuse JSON nested deeper than limit before json.loads recurses into it."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return  # cannot be deeper than its number of openings
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise MalformedEventError(f"{what} nests JSON deeper than {limit} levels")
        elif token in (b"]", b"}"):
            depth -= 1


def _parse_json(raw: bytes, limits: WireLimits, what: str) -> Any:
    _check_depth(raw, limits.max_depth, what)
    # Errors are raised `from None` throughout: a chained error keeps the bytes it was about
    # alive in a traceback cycle until the garbage collector happens to run.
    problem = None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        problem = str(err)
    except RecursionError:  # belt and braces: the depth check should have caught it
        raise MalformedEventError(f"{what} nests JSON too deeply") from None
    raise ProtocolError(f"{what} is not valid JSON: {problem}")


def _length(header: dict[str, object], key: str, limit: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"{key} must be a non-negative integer, got {value!r}")
    if value > limit:
        raise PayloadTooLargeError(f"{key} {value} exceeds the limit of {limit} bytes")
    return value


async def _read_block(reader: asyncio.StreamReader, size: int) -> bytes:
    """Exactly size bytes; IncompleteReadError when the stream ends first."""
    if size <= _PIECE:
        return await reader.readexactly(size)
    pieces: list[bytes] = []
    missing = size
    while missing:
        piece = await reader.read(min(missing, _PIECE))
        if not piece:
            pieces.clear()  # nothing of an unfinished block outlives this call
            raise asyncio.IncompleteReadError(b"", size)
        pieces.append(piece)
        missing -= len(piece)
    block = b"".join(pieces)
    pieces.clear()
    return block


async def read_event(
    reader: asyncio.StreamReader, limits: WireLimits = DEFAULT_LIMITS
) -> Event | None:
    """Read one event; None at a clean end of stream.

    Raises ProtocolError for malformed headers or data (MalformedEventError, code
    bad-request, for JSON nested too deeply or data that is not an object),
    PayloadTooLargeError before reading an oversized block (nothing is allocated for it).
    """
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as err:
        partial = err.partial.strip()
        del err  # no traceback cycle holding the partial line
        if not partial:
            return None
        raise ProtocolError("connection closed in the middle of an event header") from None
    except asyncio.LimitOverrunError:
        raise PayloadTooLargeError("event header line is too long") from None
    if len(line) > limits.max_header_bytes:
        raise PayloadTooLargeError("event header line is too long")

    header = _parse_json(line, limits, "event header")
    if not isinstance(header, dict):
        raise ProtocolError("event header must be a JSON object")
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise ProtocolError("event header has no 'type'")

    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise MalformedEventError("event 'data' must be a JSON object")
    data_length = _length(header, "data_length", limits.max_data_bytes)
    payload_length = _length(header, "payload_length", limits.max_payload_bytes)

    try:
        if data_length:
            extra = _parse_json(await _read_block(reader, data_length), limits, "event data")
            if not isinstance(extra, dict):
                raise MalformedEventError("event data block must be a JSON object")
            # Inline data and a separate block are merged, as the wire format allows both.
            data = {**data, **extra}
        payload = await _read_block(reader, payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        # Not chained: the partial block would stay alive in a traceback cycle until the
        # garbage collector happens to run (hundreds of MB after a flood of cut payloads).
        raise ProtocolError("connection closed in the middle of an event") from None

    return Event(type=event_type, data=data, payload=payload)
