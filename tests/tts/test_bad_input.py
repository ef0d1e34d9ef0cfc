"""Bad input on the wire: every malformed TTS event ends in `error {code: "bad-request"}` (never
an internal error), text over the cap is refused, and huge texts never stall the event loop."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlparse

import pytest
from wyoming.tts import Synthesize

from wyoming_common.client import WyomingConnection, describe
from wyoming_common.wire import read_event
from wyoming_tts.piper.engine import PiperEngine

from .support import STEP, all_audio, speak_once, tts_service


async def _exchange(uri: str, events: list[tuple[str, Any]]) -> list[str]:
    """Send raw events (header with inline data, ASCII-escaped JSON so even a lone surrogate
    travels as a real client could send it); return the answer's event types up to the error or
    the end of the connection, with the error's code and text."""
    parsed = urlparse(uri)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    try:
        for event_type, data in events:
            header = {"type": event_type, "data": data}
            writer.write(json.dumps(header, ensure_ascii=True).encode("ascii") + b"\n")
        await writer.drain()
        answer: list[str] = []
        while True:
            event = await asyncio.wait_for(read_event(reader), STEP)
            if event is None:
                return answer
            answer.append(event.type)
            if event.type == "error":
                answer += [event.data["code"], event.data["text"]]
                assert await asyncio.wait_for(read_event(reader), STEP) is None  # closed
                return answer
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([("synthesize", {})], "text"),
        ([("synthesize", {"text": 5})], "text"),
        ([("synthesize", {"text": ["a"]})], "text"),
        ([("synthesize", {"text": "Hi.", "voice": "x"})], "voice"),
        ([("synthesize", {"text": "Hi.", "voice": 5})], "voice"),
        ([("synthesize", {"text": "Hi.", "voice": {"name": 5}})], "name"),
        ([("synthesize", {"text": "Hi.", "voice": {"speaker": []}})], "speaker"),
        ([("synthesize", {"text": "Hi \ud800 there."})], "text"),
        ([("synthesize", {"text": "Hi.", "voice": {"name": "\udfff"}})], "name"),
        ([("synthesize-start", {"voice": "x"})], "voice"),
        ([("synthesize-start", {}), ("synthesize-chunk", {"text": 5})], "text"),
        ([("synthesize-start", {}), ("synthesize-chunk", {})], "text"),
        ([("synthesize-chunk", {"text": "\ud83d"})], "text"),
    ],
)
async def test_malformed_fields_are_a_bad_request(
    piper_engine: PiperEngine, events: list[tuple[str, Any]], field: str
) -> None:
    async with tts_service(piper_engine) as service:
        answer = await _exchange(service.uri, events)
        assert answer[-3:-1] == ["error", "bad-request"], answer
        assert field in answer[-1]  # the message names what was wrong
        async with asyncio.timeout(STEP):  # the service keeps serving
            assert all_audio(await speak_once(service.uri, "Still here.")) != b""


async def test_text_over_the_cap_is_refused(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine, max_text_chars=100) as service:
        single = await _exchange(service.uri, [("synthesize", {"text": "word " * 30})])
        assert single[:2] == ["error", "bad-request"] and "--max-text-chars" in single[2]
        # A stream is capped on all its chunks together; what came before the cap is spoken.
        chunks = [("synthesize-chunk", {"text": "Hello there. " + "x" * 20})] * 5
        streamed = await _exchange(service.uri, [("synthesize-start", {}), *chunks])
        assert streamed[-3:-1] == ["error", "bad-request"] and "--max-text-chars" in streamed[-1]
        async with asyncio.timeout(STEP):
            assert all_audio(await speak_once(service.uri, "Short is fine.")) != b""


@pytest.mark.parametrize("text", ["a. " * 66_000, "a" * 300_000, "Go on, " * 40_000])
async def test_a_huge_text_never_stalls_describe(piper_engine: PiperEngine, text: str) -> None:
    """Text work is linear and off the event loop: describe is answered at once while a huge
    text (cap raised to allow it) is split and spoken. Before, 200 KB of "a. " held the loop
    for 24 s."""
    async with tts_service(piper_engine, max_text_chars=1_000_000) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(Synthesize(text=text).event())
            slowest = 0.0
            for _ in range(5):
                started = time.monotonic()
                async with asyncio.timeout(STEP):
                    await describe(service.uri)
                slowest = max(slowest, time.monotonic() - started)
            # ... while the text was split, then spoken: its first audio comes all the same.
            chunk = await conn.read_until(lambda event: event.type == "audio-chunk")
            assert [event.type for event in chunk] == ["audio-start", "audio-chunk"]
    # A generous bound for a loaded 2-core CI machine; `bench tts` measures the real figure.
    assert slowest < 1.0, slowest
