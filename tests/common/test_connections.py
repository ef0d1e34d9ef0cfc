"""Connection bounds on a real ServiceRunner: idle timeout, slow readers, the connection cap."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

import pytest
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.ping import Ping

from tests.support.services import loopback_settings
from wyoming_common.connections import ConnectionLimits, automatic_cap, raise_open_file_limit
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .helpers import STEP, Probe, RecordingHandler, connect, recording_factory

Factory = Callable[..., ServiceEventHandler]


@asynccontextmanager
async def serving(
    factory: Factory | None = None, **limits: float | int | None
) -> AsyncIterator[ServiceRunner]:
    runner = ServiceRunner(
        loopback_settings(),
        factory or recording_factory(),
        service="test",
        limits=ConnectionLimits(**limits),  # type: ignore[arg-type]
    )
    async with asyncio.timeout(STEP):
        await runner.start()
    try:
        yield runner
    finally:
        async with asyncio.timeout(STEP * 2):
            await runner.stop()


async def test_idle_connection_gets_an_error_then_is_closed() -> None:
    async with serving(idle_timeout=0.4) as runner, connect(runner.uri) as client:
        started = time.monotonic()
        error = await client.recv(timeout=3)
        assert error is not None and error.type == "error"
        assert error.data["code"] == "idle-timeout"
        assert await client.recv() is None
        assert 0.35 < time.monotonic() - started < 2.5


async def test_pings_keep_a_connection_alive() -> None:
    async with serving(idle_timeout=0.5) as runner, connect(runner.uri) as client:
        for _ in range(8):  # 1.6 s, three times the idle timeout
            await asyncio.sleep(0.2)
            await client.send(Ping(text="k").event())
            pong = await client.recv()
            assert pong is not None and pong.type == "pong"


async def test_engine_work_is_not_idleness() -> None:
    worker = ModelWorker("engine")
    async with serving(recording_factory(worker=worker), idle_timeout=0.3) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("block", {"seconds": 1.0}))
            done = await client.recv(timeout=3)
            assert done is not None and done.type == "blocked"
            error = await client.recv(timeout=3)  # idle afterwards
            assert error is not None and error.data["code"] == "idle-timeout"


async def test_a_request_waiting_on_nothing_counts_as_idle() -> None:
    # A background request that waits for its client (not for an engine) does not keep
    # the connection: it is cancelled and the client hears why.
    probe = Probe()
    async with serving(recording_factory(probe), idle_timeout=0.3) as runner:
        async with connect(runner.uri) as client:
            await client.send(Event("forever"))
            error = await client.recv(timeout=3)
            assert error is not None and error.data["code"] == "idle-timeout"
    assert probe.cancelled.is_set()


class KeepAliveHandler(RecordingHandler):
    idle_timeout = None  # e.g. the satellite's Home Assistant connection


async def test_a_handler_can_opt_out() -> None:
    factory = partial(KeepAliveHandler, worker=ModelWorker("x"), probe=Probe())
    async with serving(factory, idle_timeout=0.2) as runner, connect(runner.uri) as client:
        with pytest.raises(TimeoutError):
            await client.recv(timeout=0.8)
        await client.send(Describe().event())
        info = await client.recv()
        assert info is not None and info.type == "info"


class FloodHandler(RecordingHandler):
    """`flood`: answers with 64 MB of events, written inline."""

    async def handle_request(self, event: Event) -> bool:
        if event.type == "flood":
            for _ in range(1000):
                await self.write_event(Event("blob", payload=bytes(64 * 1024)))
            return True
        return await super().handle_request(event)


async def test_a_client_that_stops_reading_is_dropped() -> None:
    factory = partial(FloodHandler, worker=ModelWorker("x"), probe=Probe())
    async with serving(factory, idle_timeout=0.5) as runner, connect(runner.uri) as client:
        # Never read: the server's writes back up, and the connection must go instead of
        # keeping its handler (and buffers) forever.
        await client.send(Event("flood"))
        deadline = time.monotonic() + 5
        while len(runner.connections) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(runner.connections) == 0
        async with connect(runner.uri) as other:  # still serving
            await other.send(Describe().event())
            assert (await other.recv()) is not None


async def test_full_table_makes_room_by_closing_the_longest_idle() -> None:
    async with serving(max_connections=3) as runner:
        async with connect(runner.uri) as a, connect(runner.uri) as b, connect(runner.uri) as c:
            await asyncio.sleep(0.2)
            await b.send(Ping().event())  # b and c have been idle for less time than a
            assert (await b.recv()) is not None
            await c.send(Ping().event())
            assert (await c.recv()) is not None
            async with connect(runner.uri) as newcomer:
                await newcomer.send(Describe().event())
                info = await newcomer.recv()
                assert info is not None and info.type == "info"
            evicted = await a.recv()
            assert evicted is not None and evicted.data["code"] == "idle-timeout"
            assert "full" in evicted.data["text"]
            await b.send(Ping().event())
            assert (await b.recv()) is not None
        assert runner.connections.evicted == 1


async def test_full_table_of_busy_connections_refuses_with_an_error() -> None:
    probe = Probe()
    async with serving(recording_factory(probe), max_connections=2) as runner:
        async with connect(runner.uri) as a, connect(runner.uri) as b:
            for client in (a, b):  # both busy with inline work
                await client.send(Event("work", {"seconds": 1.0, "background": False}))
            await asyncio.sleep(0.2)
            async with connect(runner.uri) as newcomer:
                error = await newcomer.recv()
                assert error is not None and error.type == "error"
                assert error.data["code"] == "too-many-connections"
                assert "2 connections" in error.data["text"]
                assert await newcomer.recv() is None
        assert runner.connections.refused == 1
        text = runner.metrics.render()
        assert "wyoming_voice_connections_refused_total 1" in text


def test_open_file_limit_and_cap() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        now = raise_open_file_limit(min(hard, 8192) if hard > 0 else 8192)
        assert now >= min(soft, 8192)
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == now
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert automatic_cap(1024) == 768
    assert automatic_cap(65536) == 4096
    assert automatic_cap(100) == 16
