"""ModelWorker: off the event loop, one call at a time, timeouts, cancellation, streaming."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from wyoming_common.errors import EngineTimeoutError
from wyoming_common.worker import CancelToken, ModelWorker


class OverlapCounter:
    """Counts concurrent calls from threads; records the maximum overlap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0

    def call(self, seconds: float) -> str:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        time.sleep(seconds)
        with self._lock:
            self.active -= 1
        return threading.current_thread().name


async def test_run_executes_off_the_event_loop() -> None:
    ticks: list[float] = []

    async def heartbeat() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        thread_name = await worker.run(lambda: (time.sleep(0.5), threading.current_thread())[1])
        ended = time.monotonic()
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
    during = [t for t in ticks if started <= t <= ended]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert ended - started >= 0.5
    assert len(during) >= 10, f"event loop was blocked: {len(during)} ticks in 0.5 s"
    assert max(gaps) < 0.35
    assert thread_name is not threading.main_thread()
    assert worker.calls == 1
    assert worker.busy_seconds >= 0.5


async def test_run_passes_arguments_and_returns() -> None:
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        assert await worker.run(lambda a, *, b: a + b, 2, b=3) == 5


async def test_one_call_at_a_time_per_engine() -> None:
    counter = OverlapCounter()
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        await asyncio.gather(*(worker.run(counter.call, 0.05) for _ in range(5)))
    assert counter.max_active == 1
    assert worker.calls == 5


async def test_overlap_detector_sees_concurrency() -> None:
    # Guards the test above: with two slots the same counter does see overlap.
    counter = OverlapCounter()
    worker = ModelWorker("engine", concurrency=2)
    async with asyncio.timeout(5):
        await asyncio.gather(*(worker.run(counter.call, 0.1) for _ in range(4)))
    assert counter.max_active == 2


async def test_separate_engines_do_not_share_a_lock() -> None:
    counter = OverlapCounter()
    first, second = ModelWorker("a"), ModelWorker("b")
    async with asyncio.timeout(5):
        await asyncio.gather(first.run(counter.call, 0.2), second.run(counter.call, 0.2))
    assert counter.max_active == 2


async def test_exception_propagates() -> None:
    def fail() -> None:
        raise ValueError("engine exploded")

    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        with pytest.raises(ValueError, match="engine exploded"):
            await worker.run(fail)
        assert await worker.run(lambda: 1) == 1  # the lock was released


async def test_timeout_raises_and_keeps_the_engine_locked_until_the_thread_ends() -> None:
    first_ended = threading.Event()
    events: list[tuple[str, float]] = []

    def slow() -> None:
        time.sleep(0.4)
        events.append(("slow ended", time.monotonic()))
        first_ended.set()

    def quick(token: CancelToken) -> bool:
        events.append(("quick started", time.monotonic()))
        return first_ended.is_set()

    worker = ModelWorker("engine", timeout=0.1)
    async with asyncio.timeout(5):
        started = time.monotonic()
        with pytest.raises(EngineTimeoutError) as info:
            await worker.run(slow)
        assert time.monotonic() - started < 0.3
        assert info.value.code == "engine-timeout"
        assert "engine" in str(info.value)
        # The abandoned call still owns the engine: the next call waits for it to finish.
        assert await worker.run_cancellable(quick, timeout=2.0) is True
    assert [name for name, _t in events] == ["slow ended", "quick started"]


async def test_per_call_timeout_overrides_default() -> None:
    worker = ModelWorker("engine", timeout=0.05)
    async with asyncio.timeout(5):
        assert await worker.run_cancellable(lambda token: "ok", timeout=1.0) == "ok"
        with pytest.raises(EngineTimeoutError):
            await worker.run_cancellable(lambda token: time.sleep(0.3), timeout=0.05)


def wait_for_token(started: threading.Event, seen: threading.Event, token: CancelToken) -> None:
    started.set()
    deadline = time.monotonic() + 3.0
    while not token.cancelled and time.monotonic() < deadline:
        time.sleep(0.005)
    if token.cancelled:
        seen.set()


async def test_cancellation_sets_the_cancel_token() -> None:
    started, seen = threading.Event(), threading.Event()
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        task = asyncio.create_task(worker.run_cancellable(wait_for_token, started, seen))
        assert await asyncio.to_thread(started.wait, 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(seen.wait, 1.0), "the engine never saw the token"


async def test_timeout_sets_the_cancel_token() -> None:
    started, seen = threading.Event(), threading.Event()
    worker = ModelWorker("engine", timeout=0.5)
    async with asyncio.timeout(5):
        with pytest.raises(EngineTimeoutError):
            await worker.run_cancellable(wait_for_token, started, seen)
        assert started.is_set()
        assert await asyncio.to_thread(seen.wait, 1.0)


async def test_cancelled_call_waiting_for_the_lock_never_runs() -> None:
    ran: list[str] = []
    release = threading.Event()
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        busy = asyncio.create_task(worker.run(release.wait, 2.0))
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(worker.run_cancellable(lambda token: ran.append("queued")))
        await asyncio.sleep(0.05)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await busy
        await worker.run(lambda: None)  # everything before it has finished
    assert ran == []


async def test_abandoned_run_waiting_for_the_lock_never_runs() -> None:
    # A plain run() whose caller gave up while it queued behind a busy engine must not run
    # later: a queue of abandoned requests would delay every request after them.
    ran: list[str] = []
    release = threading.Event()
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        busy = asyncio.create_task(worker.run(release.wait, 2.0))
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(worker.run(ran.append, "queued"))
        await asyncio.sleep(0.05)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await busy
        await worker.run(lambda: None)
    assert ran == []


async def test_stream_yields_items_as_they_are_produced() -> None:
    release = threading.Event()
    finished = threading.Event()

    def produce(count: int, token: CancelToken) -> Iterator[int]:
        yield 1
        release.wait(3.0)  # holds the rest back until the consumer has the first item
        yield from range(2, count + 1)
        finished.set()

    worker = ModelWorker("engine")
    received: list[int] = []
    async with asyncio.timeout(5):
        async for item in worker.stream(produce, 4):
            if item == 1:
                assert not finished.is_set()
                assert not release.is_set()
                release.set()
            received.append(item)
    assert received == [1, 2, 3, 4]
    assert finished.is_set()


async def test_stream_break_sets_the_token() -> None:
    stopped = threading.Event()

    def endless(token: CancelToken) -> Iterator[int]:
        count = 0
        try:
            while not token.cancelled and count < 500:
                count += 1
                yield count
                time.sleep(0.005)
        finally:  # runs when the worker stops iterating, whether or not we saw the token
            if token.cancelled:
                stopped.set()

    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        async for item in worker.stream(endless):
            if item >= 3:
                break
        assert await asyncio.to_thread(stopped.wait, 2.0), "generator kept running after break"
        # and the engine is free again
        assert await worker.run(lambda: "free") == "free"


async def test_stream_cancellation_sets_the_token() -> None:
    stopped = threading.Event()

    def endless(token: CancelToken) -> Iterator[int]:
        try:
            for _ in range(300):
                yield 0
                time.sleep(0.01)
        finally:
            if token.cancelled:
                stopped.set()

    first = asyncio.Event()

    async def consume() -> None:
        async for _item in ModelWorker("engine").stream(endless):
            first.set()

    async with asyncio.timeout(5):
        task = asyncio.create_task(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(stopped.wait, 2.0)


async def test_stream_generator_exception_propagates() -> None:
    def failing(token: CancelToken) -> Iterator[str]:
        yield "first"
        raise RuntimeError("decoder failed")

    received: list[str] = []
    async with asyncio.timeout(5):
        with pytest.raises(RuntimeError, match="decoder failed"):
            async for item in ModelWorker("engine").stream(failing):
                received.append(item)
    assert received == ["first"]


async def test_stream_timeout() -> None:
    def slow(token: CancelToken) -> Iterator[int]:
        yield 1
        while not token.cancelled:
            time.sleep(0.01)

    received: list[int] = []
    async with asyncio.timeout(5):
        started = time.monotonic()
        with pytest.raises(EngineTimeoutError):
            async for item in ModelWorker("engine", timeout=0.2).stream(slow):
                received.append(item)
        assert time.monotonic() - started < 1.0
    assert received == [1]


async def test_stream_holds_the_engine_lock() -> None:
    counter = OverlapCounter()

    def produce(token: CancelToken) -> Iterator[str]:
        for _ in range(3):
            yield counter.call(0.03)

    worker = ModelWorker("engine")

    async def consume() -> int:
        return len([item async for item in worker.stream(produce)])

    async with asyncio.timeout(5):
        counts = await asyncio.gather(consume(), consume(), worker.run(counter.call, 0.03))
    assert counts[:2] == [3, 3]
    assert counter.max_active == 1
