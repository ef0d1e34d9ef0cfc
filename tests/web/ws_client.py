"""A small client of the gateway's WebSocket protocol, for tests and the latency script."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

CHUNK_BYTES = 1280  # 40 ms of 16 kHz mono 16-bit, what the page's worklet sends


@dataclass
class TurnRecord:
    """What came back for one turn, in order; `first_audio_at` is time.monotonic()."""

    events: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    order: list[str] = field(default_factory=list)  # message types, "audio" for binary frames
    first_audio_at: float | None = None

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The JSON messages of one type."""
        return [event for event in self.events if event["type"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        """The single message of one type."""
        [event] = self.of(kind)
        return event


async def open_session(ws: aiohttp.ClientWebSocketResponse, key: str | None = None) -> None:
    """Read hello, authenticate when asked, wait for ready."""
    hello = await ws.receive_json()
    assert hello["type"] == "hello", hello
    if hello["auth_required"]:
        await ws.send_json({"type": "auth", "key": key})
    ready = await ws.receive_json()
    assert ready == {"type": "ready"}, ready


async def send_audio(
    ws: aiohttp.ClientWebSocketResponse, pcm: bytes, *, realtime: bool = False
) -> None:
    """Stream PCM in 40 ms frames (paced like a microphone when realtime)."""
    for i in range(0, len(pcm), CHUNK_BYTES):
        await ws.send_bytes(pcm[i : i + CHUNK_BYTES])
        if realtime:
            await asyncio.sleep(CHUNK_BYTES / 32000)


async def read_turn(ws: aiohttp.ClientWebSocketResponse) -> TurnRecord:
    """Everything up to and including `done`."""
    record = TurnRecord()
    while True:
        msg = await ws.receive()
        if msg.type == aiohttp.WSMsgType.BINARY:
            if record.first_audio_at is None:
                record.first_audio_at = time.monotonic()
            record.audio.extend(msg.data)
            record.order.append("audio")
            continue
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = msg.json()
        record.events.append(event)
        record.order.append(event["type"])
        if event["type"] == "done":
            return record
