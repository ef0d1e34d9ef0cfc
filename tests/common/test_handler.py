"""ServiceEventHandler on a real ServiceRunner: describe/ping, error boundary, background work."""

from __future__ import annotations

import asyncio
import json
import time

from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping

from tests.support.services import running_service
from wyoming_common.worker import ModelWorker

from .helpers import STEP, Probe, connect, event_data, recording_factory, sample_info


async def test_describe_answers_info() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send(Describe().event())
            event = await client.recv()
            assert event is not None and Info.is_type(event.type)
            assert Info.from_event(event) == sample_info()
            # the connection stays open for more requests
            await client.send(Describe().event())
            assert (await client.recv()) is not None


async def test_ping_pong_copies_text() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send(Ping(text="abc-123").event())
            event = await client.recv()
            assert event is not None and event.type == "pong"
            assert event.data == {"text": "abc-123"}
            await client.send(Ping().event())
            event = await client.recv()
            assert event is not None and event.type == "pong"


async def test_exception_becomes_error_then_close() -> None:
    probe = Probe()
    async with asyncio.timeout(10), running_service(recording_factory(probe)) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("boom"))
            error = await client.recv()
            assert error is not None and error.type == "error"
            assert error.data["code"] == "internal-error"
            assert "kaboom" in error.data["text"]
            assert await client.recv() is None  # closed by the service
    assert probe.disconnects == 1


async def test_our_errors_keep_their_code() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("bad"))
            assert event_data(await client.recv()) == {
                "text": "audio before audio-start",
                "code": "bad-request",
            }
            assert await client.recv() is None


async def test_protocol_error_then_close() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send_raw(b"this is not json\n")
            error = await client.recv()
            assert error is not None and error.type == "error"
            assert error.data["code"] == "protocol-error"
            assert await client.recv() is None


async def test_oversized_payload_is_refused() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            header = {"type": "audio-chunk", "payload_length": 10**10}
            await client.send_raw(json.dumps(header).encode() + b"\n")
            error = await client.recv()
            assert error is not None and error.data["code"] == "payload-too-large"
            assert await client.recv() is None


async def test_handler_returning_false_closes() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("bye"))
            assert await client.recv() is None


async def test_other_clients_survive_garbage_and_broken_clients() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as steady:
            await steady.send(Ping(text="before").event())
            assert event_data(await steady.recv()) == {"text": "before"}

            async with connect(runner.uri) as garbage:
                await garbage.send_raw(b"\x00\x01garbage\xff\n")
                assert event_data(await garbage.recv())["code"] == "protocol-error"

            async with connect(runner.uri) as broken:
                # announces a data block and a payload, sends half, then disconnects
                await broken.send_raw(b'{"type": "audio-chunk", "payload_length": 100}\n12345')
                broken.writer.transport.abort()

            async with connect(runner.uri):
                pass  # connects and leaves without a word

            await steady.send(Ping(text="after").event())
            assert event_data(await steady.recv()) == {"text": "after"}

            async with connect(runner.uri) as newcomer:
                await newcomer.send(Describe().event())
                event = await newcomer.recv()
                assert event is not None and event.type == "info"


async def test_describe_answers_while_blocking_engine_work_runs() -> None:
    seconds = 1.0
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as busy, connect(runner.uri) as other:
            started = time.monotonic()
            await busy.send(Event("block", {"seconds": seconds}))
            await asyncio.sleep(0.1)  # the blocking call is now running in its thread

            # same connection: start_task left the connection reading
            await busy.send(Describe().event())
            event = await busy.recv(timeout=0.5)
            assert event is not None and event.type == "info"
            same_connection = time.monotonic() - started

            # another connection (what HA does every 30 s)
            asked = time.monotonic()
            await other.send(Describe().event())
            event = await other.recv(timeout=0.5)
            assert event is not None and event.type == "info"
            other_connection = time.monotonic() - asked

            done = await busy.recv(timeout=STEP)
            assert done is not None and done.type == "blocked"
            assert done.data["elapsed"] >= seconds
    assert same_connection < 0.5
    assert other_connection < 0.25, f"describe took {other_connection:.3f} s"


async def test_client_eof_cancels_the_background_request() -> None:
    probe = Probe()
    async with asyncio.timeout(10), running_service(recording_factory(probe)) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("forever"))
            await probe.started.wait()
        # the client has closed its end
        async with asyncio.timeout(2):
            await probe.cancelled.wait()
        async with asyncio.timeout(2):
            while probe.disconnects == 0:
                await asyncio.sleep(0.01)
    assert probe.disconnects == 1


async def test_background_request_finishes_and_connection_is_reused() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            for _ in range(2):
                await client.send(Event("work", {"seconds": 0.05}))
                assert event_data(await client.recv()) == {"seconds": 0.05}


async def test_request_metrics_are_counted() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("work", {"seconds": 0.01, "background": False}))
            assert (await client.recv()) is not None
        async with connect(runner.uri) as client:
            await client.send(Event("boom"))
            assert (await client.recv()) is not None
        metrics = runner.metrics
    text = metrics.render()
    assert 'wyoming_voice_requests_total{kind="work"} 1' in text
    assert 'wyoming_voice_request_seconds_count{kind="work"} 1' in text
    assert "wyoming_voice_connections_total 2" in text


async def test_background_failure_becomes_error_then_close() -> None:
    worker = ModelWorker("slow engine", timeout=0.1)
    async with asyncio.timeout(10), running_service(recording_factory(worker=worker)) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("block", {"seconds": 0.5}))
            error = await client.recv()
            assert error is not None and error.type == "error"
            assert error.data["code"] == "engine-timeout"
            assert "slow engine" in error.data["text"]
            assert await client.recv() is None
