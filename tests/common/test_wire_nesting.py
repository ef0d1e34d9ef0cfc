"""read_event against deep JSON and big blocks: errors the handler can answer, never
RecursionError, and blocks read piece by piece."""

from __future__ import annotations

import asyncio
import json

import pytest

from wyoming_common.errors import MalformedEventError, ProtocolError
from wyoming_common.wire import WireLimits, read_event


def reader_with(data: bytes, *, eof: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=2**16)
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


async def read(data: bytes, limits: WireLimits | None = None) -> object:
    async with asyncio.timeout(5):
        return await read_event(reader_with(data), limits or WireLimits())


@pytest.mark.parametrize("depth", [33, 1000, 10_000])
@pytest.mark.parametrize("opener", ["[", '{"a":'])
async def test_deep_header_is_a_bad_request(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    line = ('{"type": "ping", "data": {"text": ' + nested + "}}\n").encode()
    with pytest.raises(MalformedEventError, match="deeper than 32") as info:
        await read(line)
    assert info.value.code == "bad-request"


async def test_deep_data_block_is_a_bad_request() -> None:
    block = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    line = json.dumps({"type": "ping", "data_length": len(block)}).encode() + b"\n"
    with pytest.raises(MalformedEventError) as info:
        await read(line + block)
    assert info.value.code == "bad-request"


async def test_unbalanced_openers_never_recurse() -> None:
    # Invalid JSON that only opens: an error either way, never a RecursionError.
    with pytest.raises(ProtocolError):
        await read(b"[" * 60_000 + b"\n")


async def test_nesting_up_to_the_limit_and_brackets_in_strings_are_fine() -> None:
    nested = "[" * 30 + "1" + "]" * 30  # 32 levels with the header and data objects
    text = "[[[[{{{{" * 100  # brackets inside a string do not nest anything
    line = ('{"type": "ping", "data": {"v": ' + nested + ', "text": "' + text + '"}}\n').encode()
    event = await read(line)
    assert event is not None
    assert event.data["text"] == text  # type: ignore[attr-defined]


async def test_escaped_quotes_do_not_confuse_the_depth_scan() -> None:
    text = '\\"[[[[' * 40  # an escaped quote must not end the string for the scanner
    line = ('{"type": "ping", "data": {"text": "' + text + '"}}\n').encode()
    event = await read(line)
    assert event is not None and event.data["text"] == json.loads(f'"{text}"')  # type: ignore[attr-defined]


async def test_depth_limit_is_configurable() -> None:
    line = b'{"type": "x", "data": {"a": [[1]]}}\n'
    with pytest.raises(MalformedEventError):
        await read(line, WireLimits(max_depth=3))
    assert await read(line, WireLimits(max_depth=4)) is not None


async def test_big_payload_arriving_in_small_pieces() -> None:
    payload = bytes(range(256)) * (3 * 1024 * 1024 // 256 + 7)
    head = json.dumps({"type": "audio-chunk", "payload_length": len(payload)}).encode() + b"\n"
    reader = asyncio.StreamReader(limit=2**16)

    async def feed() -> None:
        data = head + payload + b'{"type": "describe"}\n'
        for start in range(0, len(data), 10_000):
            reader.feed_data(data[start : start + 10_000])
            await asyncio.sleep(0)
        reader.feed_eof()

    async with asyncio.timeout(10):
        feeder = asyncio.create_task(feed())
        event = await read_event(reader)
        following = await read_event(reader)
        await feeder
    assert event is not None and event.payload == payload
    assert following is not None and following.type == "describe"


async def test_big_payload_cut_short_is_a_protocol_error() -> None:
    head = json.dumps({"type": "audio-chunk", "payload_length": 2_000_000}).encode() + b"\n"
    with pytest.raises(ProtocolError, match="middle of an event"):
        await read(head + bytes(1_000_000))
