"""The handler's edge: invalid fields and deep JSON answered with `bad-request`, no
traceback, and the service keeps serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import pytest
from wyoming.event import Event
from wyoming.info import Describe

from tests.support.services import running_service
from wyoming_common.wire import read_event

from .helpers import Probe, connect, recording_factory


@pytest.mark.parametrize(
    "raw",
    [
        b'{"type": "ping", "data": {"text": 5}}\n',
        b'{"type": "audio-start", "data": {"rate": 0, "width": 2, "channels": 1}}\n',
        b'{"type": "audio-start", "data": {"rate": 16000, "width": 2.0, "channels": 1}}\n',
        b'{"type": "synthesize", "data": {"text": "\\ud800"}}\n',
        b'{"type": "ping", "data": {"text": ' + b"[" * 5000 + b"]" * 5000 + b"}}\n",
        b'{"type": "ping", "data": [1]}\n',
    ],
    ids=["ping-int", "rate-0", "width-float", "lone-surrogate", "deep-json", "data-list"],
)
async def test_bad_event_gets_bad_request_then_close(
    raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    probe = Probe()
    caplog.set_level(logging.INFO)
    async with asyncio.timeout(10), running_service(recording_factory(probe)) as runner:
        async with connect(runner.uri) as client:
            await client.send_raw(raw)
            error = await client.recv()
            assert error is not None and error.type == "error", error
            assert error.data["code"] == "bad-request"
            assert await client.recv() is None
        async with connect(runner.uri) as other:
            await other.send(Describe().event())
            assert (await other.recv()) is not None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if r.exc_info]
    assert probe.disconnects == 2


async def test_handlers_see_only_validated_standard_events() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            # An event type the service does not know passes the edge untouched.
            await client.send(Event("bad", {"anything": [1, {"deep": None}]}))
            error = await client.recv()
            assert error is not None and error.data["text"] == "audio before audio-start"


async def test_text_of_the_error_names_the_event_and_field() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            data = {"rate": 16000, "width": 2, "channels": "one"}
            await client.send_raw(
                json.dumps({"type": "audio-chunk", "data": data}).encode() + b"\n"
            )
            error = await client.recv()
            assert error is not None
            assert error.data["text"] == "audio-chunk: 'channels' must be an integer, got str 'one'"


async def test_error_survives_a_client_that_keeps_sending() -> None:
    # 8 MB of one header line: the service answers after 64 KB and closes; without lingering
    # its close resets the connection and the client never reads the error.
    async with asyncio.timeout(20), running_service(recording_factory()) as runner:
        assert runner.port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", runner.port)
        writer.write(b'{"type": "ping", "data": {"text": "' + b"a" * 8_000_000)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        error = await read_event(reader)
        writer.close()
    assert error is not None and error.data["code"] == "payload-too-large"
