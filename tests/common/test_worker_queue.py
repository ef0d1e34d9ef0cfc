"""ModelWorker's line: deadlines from the start of the work, a bounded queue answering
"busy" at once, abandoned callers leaving the line, one worker shared by event loops."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wyoming_common.errors import BusyError, EngineTimeoutError
from wyoming_common.worker import CancelToken, ModelWorker


async def test_deadline_starts_when_the_work_starts() -> None:
    # Ten calls of 0.1 s with a 0.3 s limit: queued ones wait up to 0.9 s, none times out.
    worker = ModelWorker("engine", timeout=0.3)
    async with asyncio.timeout(10):
        results = await asyncio.gather(
            *(worker.run(time.sleep, 0.1) for _ in range(10)), return_exceptions=True
        )
    assert results == [None] * 10
    assert worker.calls == 10


async def test_a_slow_call_still_times_out() -> None:
    worker = ModelWorker("engine", timeout=0.1)
    async with asyncio.timeout(5):
        with pytest.raises(EngineTimeoutError):
            await worker.run(time.sleep, 0.4)


async def test_full_queue_answers_busy_at_once() -> None:
    release = threading.Event()
    worker = ModelWorker("whisper", max_queue=2)
    async with asyncio.timeout(5):
        running = asyncio.create_task(worker.run(release.wait, 3.0))
        await asyncio.sleep(0.05)
        queued = [asyncio.create_task(worker.run(lambda: "ok")) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert worker.slots.waiting == 2
        asked = time.monotonic()
        with pytest.raises(BusyError, match="whisper is busy: 2 requests are already waiting"):
            await worker.run(lambda: "too many")
        assert time.monotonic() - asked < 0.05
        release.set()
        await running
        assert [await task for task in queued] == ["ok", "ok"]
        assert worker.slots.rejected == 1
        assert await worker.run(lambda: "room again") == "room again"


async def test_busy_when_the_expected_wait_is_too_long() -> None:
    release = threading.Event()
    worker = ModelWorker("engine", max_wait=2.5)
    worker.slots.record(1.0)  # calls have been taking a second
    async with asyncio.timeout(5):
        calls = [asyncio.create_task(worker.run(release.wait, 3.0)) for _ in range(3)]
        await asyncio.sleep(0.05)  # one runs, two wait: 3 s ahead of a new caller
        assert worker.slots.expected_wait() == pytest.approx(3.0)
        with pytest.raises(BusyError, match=r"the wait would be about 3\.0 s"):
            await worker.run(release.wait, 3.0)
        release.set()
        await asyncio.gather(*calls)


async def test_stream_also_queues_and_answers_busy() -> None:
    release = threading.Event()
    worker = ModelWorker("engine", max_queue=0)

    def produce(token: CancelToken) -> list[int]:
        release.wait(3.0)
        return [1, 2]

    async with asyncio.timeout(5):
        first = asyncio.create_task(worker.run_cancellable(lambda token: release.wait(3.0)))
        await asyncio.sleep(0.05)
        with pytest.raises(BusyError):
            async for _item in worker.stream(produce):
                pass
        release.set()
        await first
        assert [item async for item in worker.stream(produce)] == [1, 2]


async def test_abandoned_callers_do_not_delay_the_next_one() -> None:
    # 30 clients that gave up while queued must not run: the next caller waits only for
    # the call that was already running.
    release = threading.Event()
    ran: list[int] = []
    worker = ModelWorker("engine")
    async with asyncio.timeout(10):
        busy = asyncio.create_task(worker.run(release.wait, 3.0))
        await asyncio.sleep(0.05)
        abandoned = [
            asyncio.create_task(worker.run(lambda i=i: (time.sleep(0.05), ran.append(i))))
            for i in range(30)
        ]
        await asyncio.sleep(0.05)
        for task in abandoned:
            task.cancel()
        await asyncio.gather(*abandoned, return_exceptions=True)
        assert worker.slots.waiting == 0
        release.set()
        await busy
        asked = time.monotonic()
        assert await worker.run(lambda: "legit") == "legit"
        latency = time.monotonic() - asked
    assert ran == []
    assert latency < 0.2


async def test_seat_granted_to_a_caller_that_just_left_goes_to_the_next() -> None:
    release = threading.Event()
    worker = ModelWorker("engine")
    async with asyncio.timeout(5):
        busy = asyncio.create_task(worker.run(release.wait, 3.0))
        await asyncio.sleep(0.05)
        leaving = asyncio.create_task(worker.run(lambda: "never"))
        staying = asyncio.create_task(worker.run(lambda: "served"))
        await asyncio.sleep(0.05)
        release.set()
        await busy
        # The seat is on its way to `leaving` (woken on the loop); cancel it right now.
        leaving.cancel()
        assert await staying == "served"
        assert worker.slots.in_use == 0


def test_one_worker_serves_several_event_loops() -> None:
    worker = ModelWorker("shared")
    results: list[str] = []

    def in_thread(name: str) -> None:
        async def go() -> None:
            for _ in range(5):
                results.append(await worker.run(lambda: (time.sleep(0.01), name)[1]))

        asyncio.run(go())

    threads = [threading.Thread(target=in_thread, args=(f"loop{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == sorted([f"loop{i}" for i in range(3) for _ in range(5)])
    assert worker.slots.in_use == 0
