"""The one place where blocking engine work runs: a thread per call, a bounded queue and a
limited number of seats per engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from .activity import working
from .errors import EngineTimeoutError
from .slots import EngineSlots

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 128
"""Callers allowed to wait for a busy engine; the next one gets BusyError ("busy") at once."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


class CancelToken:
    """Set when the caller stopped waiting; long engine loops poll it to stop early."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the running engine call to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once the caller gave up on the result."""
        return self._event.is_set()


class ModelWorker:
    """Runs blocking calls of one engine in worker threads, `concurrency` calls at a time.

    Callers queue on the event loop for a seat (at most `max_queue` of them, or as many as
    fit in `max_wait` seconds of estimated waiting; beyond that BusyError at once). The time
    limit starts when the call gets its seat, so queueing never turns into a timeout. A
    caller that gives up while queued leaves the line and its call never runs; one that
    gives up while its call runs gets its CancelToken set, and the seat stays taken until the
    engine really returns, so the next call never overlaps it.
    """

    def __init__(
        self,
        name: str,
        *,
        timeout: float | None = None,
        concurrency: int = 1,
        max_queue: int | None = DEFAULT_MAX_QUEUE,
        max_wait: float | None = None,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.slots = EngineSlots(concurrency, max_waiting=max_queue, max_wait=max_wait, name=name)
        self.busy_seconds = 0.0
        self.calls = 0

    async def run(
        self,
        func: Callable[_P, _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run func(*args, **kwargs) in a thread once a seat is free, with the timeout."""
        return await self._run(func, None, args, kwargs)

    async def run_cancellable(
        self,
        func: Callable[..., _T],
        *args: object,
        timeout: float | None = None,
    ) -> _T:
        """Like run, but func gets a CancelToken as its last argument, set on cancel/timeout."""
        token = CancelToken()
        return await self._run(func, token, (*args, token), {}, timeout)

    def _finished(self, started: float) -> None:
        """Bookkeeping at the end of a call, in its thread; frees the seat."""
        seconds = time.monotonic() - started
        self.busy_seconds += seconds
        self.calls += 1
        self.slots.record(seconds)
        self.slots.release()

    async def _run(
        self,
        func: Callable[..., _T],
        token: CancelToken | None,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        timeout: float | None = None,
    ) -> _T:
        limit = timeout if timeout is not None else self.timeout
        with working():
            await self.slots.acquire()
            started = time.monotonic()

            def call() -> _T:
                try:
                    return func(*args, **kwargs)
                finally:
                    self._finished(started)

            try:
                future = asyncio.ensure_future(asyncio.to_thread(call))
            except BaseException:
                self.slots.release()
                raise
            try:
                async with asyncio.timeout(limit):
                    return await asyncio.shield(future)
            except TimeoutError as err:
                if token is not None:
                    token.cancel()
                future.add_done_callback(_consume_result)
                raise EngineTimeoutError(
                    f"{self.name} did not finish within {limit:.1f} s"
                ) from err
            except asyncio.CancelledError:
                if token is not None:
                    token.cancel()
                future.add_done_callback(_consume_result)
                raise

    async def stream(
        self,
        func: Callable[..., Iterator[_T]],
        *args: object,
        timeout: float | None = None,
    ) -> AsyncGenerator[_T, None]:
        """Iterate a blocking generator in a thread, yielding each item as soon as it exists.

        func gets a CancelToken as its last argument; it is set when the consumer stops
        iterating (break, cancellation, disconnect) or when the whole stream exceeds timeout
        (counted from when the stream got its seat).
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        token = CancelToken()
        limit = timeout if timeout is not None else self.timeout

        def put(kind: str, value: object) -> None:
            # A closed loop means nobody is listening any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def produce(started: float) -> None:
            try:
                if token.cancelled:
                    return
                for item in func(*args, token):
                    put("item", item)
                    if token.cancelled:
                        break
            except BaseException as err:  # handed to the consumer, re-raised there
                put("error", err)
            finally:
                self._finished(started)
                put("done", None)

        with working():
            await self.slots.acquire()
            try:
                producer = asyncio.ensure_future(asyncio.to_thread(produce, time.monotonic()))
            except BaseException:
                self.slots.release()
                raise
            producer.add_done_callback(_consume_result)
            deadline = None if limit is None else loop.time() + limit
            late = f"{self.name} did not finish within {limit or 0:.1f} s"
            try:
                while True:
                    done, value = await _next_item(queue, deadline, late)
                    if done:
                        return
                    yield value  # type: ignore[misc]
            finally:
                token.cancel()


async def _next_item(
    queue: asyncio.Queue[tuple[str, object]], deadline: float | None, late: str
) -> tuple[bool, object]:
    """(False, item) from a stream's producer, or (True, None) once it is done; re-raises
    its error, EngineTimeoutError(late) past the deadline (loop time)."""
    remaining = None if deadline is None else max(0.0, deadline - asyncio.get_running_loop().time())
    try:
        async with asyncio.timeout(remaining):
            kind, value = await queue.get()
    except TimeoutError as err:
        raise EngineTimeoutError(late) from err
    if kind == "error":
        assert isinstance(value, BaseException)
        raise value
    return kind == "done", value


def _consume_result(future: asyncio.Future[Any]) -> None:
    """Retrieve the abandoned thread's outcome so asyncio does not warn about it."""
    if future.cancelled():
        return
    err = future.exception()
    if err is not None and not isinstance(err, asyncio.CancelledError):
        _LOGGER.debug("Abandoned engine call ended with %r", err)
