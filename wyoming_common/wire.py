"""Reading Wyoming events from a stream with size limits (the library reader has none)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from wyoming.event import Event

from .errors import PayloadTooLargeError, ProtocolError


@dataclass(frozen=True)
class WireLimits:
    """Upper bounds on what one event may carry."""

    max_header_bytes: int = 64 * 1024
    max_data_bytes: int = 1024 * 1024
    max_payload_bytes: int = 4 * 1024 * 1024


DEFAULT_LIMITS = WireLimits()


def _length(header: dict[str, object], key: str, limit: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError(f"{key} must be a non-negative integer, got {value!r}")
    if value > limit:
        raise PayloadTooLargeError(f"{key} {value} exceeds the limit of {limit} bytes")
    return value


async def read_event(
    reader: asyncio.StreamReader, limits: WireLimits = DEFAULT_LIMITS
) -> Event | None:
    """Read one event; None at a clean end of stream.

    Raises ProtocolError for malformed headers or data, PayloadTooLargeError before reading
    an oversized block (nothing is allocated for it).
    """
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial.strip():
            return None
        raise ProtocolError("connection closed in the middle of an event header") from err
    except asyncio.LimitOverrunError as err:
        raise PayloadTooLargeError("event header line is too long") from err
    if len(line) > limits.max_header_bytes:
        raise PayloadTooLargeError("event header line is too long")

    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProtocolError(f"event header is not valid JSON: {err}") from err
    if not isinstance(header, dict):
        raise ProtocolError("event header must be a JSON object")
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise ProtocolError("event header has no 'type'")

    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise ProtocolError("event 'data' must be a JSON object")
    data_length = _length(header, "data_length", limits.max_data_bytes)
    payload_length = _length(header, "payload_length", limits.max_payload_bytes)

    try:
        if data_length:
            block = await reader.readexactly(data_length)
            try:
                extra = json.loads(block)
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise ProtocolError(f"event data is not valid JSON: {err}") from err
            if not isinstance(extra, dict):
                raise ProtocolError("event data block must be a JSON object")
            # Inline data and a separate block are merged, as the wire format allows both.
            data = {**data, **extra}
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError as err:
        raise ProtocolError("connection closed in the middle of an event") from err

    return Event(type=event_type, data=data, payload=payload)
