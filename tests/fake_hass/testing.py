"""Test helpers: a tiny HA websocket client and a describe-only Wyoming server."""

from __future__ import annotations

import contextlib
import math
import struct
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import aiohttp
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.server import AsyncEventHandler, AsyncTcpServer
from wyoming.tts import Synthesize

from wyoming_voice.bench.children import free_port

from .server import FakeHomeAssistant


class DescribeHandler(AsyncEventHandler):  # type: ignore[misc]
    """Answers `describe` with a fixed `info` and ignores everything else."""

    def __init__(self, info: Info, *args: Any) -> None:
        """Bind the handler to the `info` it answers with."""
        super().__init__(*args)
        self.info = info

    async def handle_event(self, event: Event) -> bool:
        """Answer `describe`; keep the connection open."""
        if Describe.is_type(event.type):
            await self.write_event(self.info.event())
        return True


AgentReply = Callable[[Transcript], list[Event]]


class AgentHandler(DescribeHandler):
    """A conversation agent: answers each `transcript` with the events `reply` returns."""

    def __init__(self, info: Info, reply: AgentReply, heard: list[Transcript], *args: Any) -> None:
        """Bind the handler to its info, its reply function and the list of transcripts."""
        super().__init__(info, *args)
        self.reply = reply
        self.heard = heard

    async def handle_event(self, event: Event) -> bool:
        """Answer `describe` and `transcript`."""
        if Transcript.is_type(event.type):
            transcript = Transcript.from_event(event)
            self.heard.append(transcript)
            for answer in self.reply(transcript):
                await self.write_event(answer)
            return True
        return await super().handle_event(event)


@contextlib.asynccontextmanager
async def agent_server(
    info: Info, reply: AgentReply, heard: list[Transcript]
) -> AsyncIterator[int]:
    """A Wyoming conversation agent on a free loopback port; yields the port."""
    port = free_port()
    server = AsyncTcpServer("127.0.0.1", port)
    await server.start(partial(AgentHandler, info, reply, heard))
    try:
        yield port
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def describe_server(info: Info) -> AsyncIterator[int]:
    """Serve `info` to `describe` on a free loopback port; yields the port."""
    port = free_port()
    server = AsyncTcpServer("127.0.0.1", port)
    await server.start(partial(DescribeHandler, info))
    try:
        yield port
    finally:
        await server.stop()


class WsTestClient:
    """A minimal, authenticated HA websocket client (ids count up from 1)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Wrap an authenticated socket."""
        self.ws = ws
        self.next_id = 1

    async def send(self, type_: str, **fields: Any) -> int:
        """Send a command without waiting; returns its id."""
        msg_id, self.next_id = self.next_id, self.next_id + 1
        await self.ws.send_json({"id": msg_id, "type": type_, **fields})
        return msg_id

    async def receive(self) -> dict[str, Any]:
        """Return the next message."""
        message: dict[str, Any] = await self.ws.receive_json()
        return message

    async def command(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its result (or pong) message, skipping other messages."""
        msg_id = await self.send(type_, **fields)
        while True:
            message = await self.receive()
            if message.get("id") == msg_id and message["type"] != "event":
                return message

    async def result(self, type_: str, **fields: Any) -> Any:
        """Send a command and return its `result`; raises AssertionError when it failed."""
        message = await self.command(type_, **fields)
        if not message.get("success"):
            raise AssertionError(f"{type_} failed: {message}")
        return message["result"]


@contextlib.asynccontextmanager
async def connect_ws(
    hass: FakeHomeAssistant, session: aiohttp.ClientSession
) -> AsyncIterator[WsTestClient]:
    """Open and authenticate a websocket to the fake."""
    async with session.ws_connect(hass.ws_url) as ws:
        required = await ws.receive_json()
        if required.get("type") != "auth_required":
            raise AssertionError(f"expected auth_required, got {required}")
        await ws.send_json({"type": "auth", "access_token": hass.token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise AssertionError(f"expected auth_ok, got {answer}")
        yield WsTestClient(ws)


class SttHandler(DescribeHandler):
    """A speech-to-text service: after `audio-stop`, `transcript` with `text_for(audio)`."""

    def __init__(self, info: Info, text_for: Callable[[bytes], str], *args: Any) -> None:
        """Bind the handler to its info and its transcript function."""
        super().__init__(info, *args)
        self.text_for = text_for
        self.audio = bytearray()

    async def handle_event(self, event: Event) -> bool:
        """Collect the audio, answer at its end."""
        if AudioChunk.is_type(event.type):
            self.audio.extend(AudioChunk.from_event(event).audio)
        elif AudioStop.is_type(event.type):
            await self.write_event(Transcript(self.text_for(bytes(self.audio))).event())
            self.audio.clear()
        return await super().handle_event(event)


class TtsHandler(DescribeHandler):
    """A text-to-speech service: `synthesize` → 0.1 s of a 440 Hz tone per word, 22050 Hz."""

    async def handle_event(self, event: Event) -> bool:
        """Answer `synthesize` with one audio block."""
        if Synthesize.is_type(event.type):
            words = max(1, len(Synthesize.from_event(event).text.split()))
            rate, samples = 22050, 2205 * words
            pcm = b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(samples)
            )
            await self.write_event(AudioStart(rate, 2, 1).event())
            for i in range(0, len(pcm), 2048):
                await self.write_event(AudioChunk(rate, 2, 1, pcm[i : i + 2048]).event())
            await self.write_event(AudioStop().event())
        return await super().handle_event(event)


@contextlib.asynccontextmanager
async def wyoming_server(handler: Callable[..., AsyncEventHandler]) -> AsyncIterator[int]:
    """Serve `handler` (a partial of one of the handlers above) on a free loopback port."""
    port = free_port()
    server = AsyncTcpServer("127.0.0.1", port)
    await server.start(handler)
    try:
        yield port
    finally:
        await server.stop()
