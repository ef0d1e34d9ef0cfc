"""Small real-socket helpers and a test service for the wyoming_common tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import urlparse

from wyoming.event import Event, async_write_event
from wyoming.info import AsrModel, AsrProgram, Attribution, Info

from wyoming_common.errors import BadRequestError
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.wire import read_event
from wyoming_common.worker import ModelWorker
from wyoming_voice.bench.children import free_port  # noqa: F401 (tests import it from here)

STEP = 5.0  # upper bound for any single await in these tests


def sample_info() -> Info:
    """An info with one installed ASR program (enough for `health`)."""
    attribution = Attribution(name="tests", url="https://example.invalid")
    model = AsrModel(
        name="tiny",
        attribution=attribution,
        installed=True,
        description=None,
        version=None,
        languages=["en"],
    )
    program = AsrProgram(
        name="test-asr",
        attribution=attribution,
        installed=True,
        description="test program",
        version="1.0",
        models=[model],
    )
    return Info(asr=[program])


class Probe:
    """What the test handlers observed, shared between connections."""

    def __init__(self) -> None:
        self.cancelled = asyncio.Event()
        self.disconnects = 0
        self.started = asyncio.Event()


class RecordingHandler(ServiceEventHandler):
    """A service with a few request kinds that exercise the base class.

    - `boom`: raises a plain exception; `bad`: raises BadRequestError
    - `work {seconds, background}`: a request that waits, then answers `done`
    - `block {seconds}`: blocking `time.sleep` through ModelWorker.run, in the background
    - `forever`: a background request that only ends by cancellation
    - `bye`: returns False (closes the connection)
    """

    service = "test"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        worker: ModelWorker,
        probe: Probe,
    ) -> None:
        super().__init__(reader, writer, info=sample_info)
        self.worker = worker
        self.probe = probe

    async def handle_request(self, event: Event) -> bool:
        if event.type == "boom":
            raise RuntimeError("kaboom")
        if event.type == "bad":
            raise BadRequestError("audio before audio-start")
        if event.type == "bye":
            return False
        if event.type == "work":
            self.begin_request("work")
            seconds = float(event.data["seconds"])
            if event.data.get("background", True):
                self.start_task(self._work(seconds), "work")
            else:
                await self._work(seconds)
            return True
        if event.type == "block":
            self.begin_request("block")
            self.start_task(self._block(float(event.data["seconds"])), "block")
            return True
        if event.type == "forever":
            self.begin_request("forever")
            self.start_task(self._forever(), "forever")
            return True
        raise BadRequestError(f"unexpected event {event.type}")

    async def _work(self, seconds: float) -> None:
        self.probe.started.set()
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            self.probe.cancelled.set()
            raise
        await self.write_event(Event("done", {"seconds": seconds}))
        self.end_request()

    async def _block(self, seconds: float) -> None:
        started = time.monotonic()
        await self.worker.run(time.sleep, seconds)
        await self.write_event(Event("blocked", {"elapsed": time.monotonic() - started}))
        self.end_request()

    async def _forever(self) -> None:
        self.probe.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.probe.cancelled.set()
            raise

    async def on_disconnect(self) -> None:
        self.probe.disconnects += 1


def recording_factory(
    probe: Probe | None = None, worker: ModelWorker | None = None
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], ServiceEventHandler]:
    """Handler factory in the style of the services (functools.partial)."""
    return partial(RecordingHandler, worker=worker or ModelWorker("test"), probe=probe or Probe())


class Client:
    """A raw client connection: write events, read them back with limits and timeouts."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, event: Event) -> None:
        async with asyncio.timeout(STEP):
            await async_write_event(event, self.writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        async with asyncio.timeout(STEP):
            await self.writer.drain()

    async def recv(self, timeout: float = STEP) -> Event | None:
        async with asyncio.timeout(timeout):
            return await read_event(self.reader)

    async def close(self) -> None:
        self.writer.close()
        try:
            async with asyncio.timeout(STEP):
                await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


@asynccontextmanager
async def connect(uri: str) -> AsyncIterator[Client]:
    """Open a raw connection to tcp:// or unix:// within STEP seconds."""
    parsed = urlparse(uri)
    async with asyncio.timeout(STEP):
        if parsed.scheme == "unix":
            reader, writer = await asyncio.open_unix_connection(parsed.path)
        else:
            reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    client = Client(reader, writer)
    try:
        yield client
    finally:
        await client.close()


def event_data(event: Event | None) -> dict[str, Any]:
    """The data of an event that must exist."""
    assert event is not None, "connection closed, an event was expected"
    return event.data
