"""ServiceRunner: listen on tcp/unix, load before accepting, graceful stop, systemd notify."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from wyoming.event import Event
from wyoming.info import Describe

from tests.support.services import loopback_settings
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.runner import ServiceRunner
from wyoming_common.sd_notify import notify, watchdog_interval

from .helpers import STEP, Probe, connect, event_data, free_port, recording_factory


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory path: unix socket paths are limited to ~107 bytes."""
    with tempfile.TemporaryDirectory(prefix="wv-", dir="/tmp") as path:
        yield Path(path)


async def test_tcp_start_and_stop() -> None:
    runner = ServiceRunner(loopback_settings(), recording_factory(), service="test")
    async with asyncio.timeout(10):
        await runner.start()
        try:
            assert runner.port and runner.port > 0
            assert runner.uri == f"tcp://127.0.0.1:{runner.port}"
            info = await describe(runner.uri, 2.0)
            assert info.asr[0].name == "test-asr"
        finally:
            await runner.stop()
        with pytest.raises(ServiceUnavailableError):
            await describe(runner.uri, 1.0)


async def test_unix_socket_start_stop_and_restart(short_dir: Path) -> None:
    path = short_dir / "stt.sock"
    uri = f"unix://{path}"
    async with asyncio.timeout(10):
        for _round in range(2):  # a stale socket file from the first round must not matter
            runner = ServiceRunner(loopback_settings(uri=uri), recording_factory(), service="t")
            await runner.start()
            try:
                assert runner.uri == uri
                assert runner.port is None
                info = await describe(uri, 2.0)
                assert info.asr[0].name == "test-asr"
                async with connect(uri) as client:
                    await client.send(Event("work", {"seconds": 0.01}))
                    assert event_data(await client.recv()) == {"seconds": 0.01}
            finally:
                await runner.stop()
            with pytest.raises(ServiceUnavailableError):
                await describe(uri, 1.0)


async def test_load_runs_before_the_socket_accepts() -> None:
    port = free_port()
    uri = f"tcp://127.0.0.1:{port}"
    during_load: list[str] = []

    async def slow_load() -> None:
        await asyncio.sleep(0.2)  # e.g. a model loading in a worker thread
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            during_load.append("refused")
        else:
            during_load.append("accepted")
            writer.close()

    runner = ServiceRunner(
        loopback_settings(uri=uri), recording_factory(), service="test", load=slow_load
    )
    async with asyncio.timeout(10):
        await runner.start()
        try:
            assert during_load == ["refused"]
            # what the load held only for a while goes back before the first connection
            assert runner.memory.trims == (1 if runner.memory.available else 0)
            assert (await describe(runner.uri, 2.0)).asr
        finally:
            await runner.stop()


async def test_failed_load_never_listens() -> None:
    port = free_port()

    async def broken_load() -> None:
        raise RuntimeError("model file missing")

    runner = ServiceRunner(
        loopback_settings(uri=f"tcp://127.0.0.1:{port}"),
        recording_factory(),
        service="test",
        load=broken_load,
    )
    async with asyncio.timeout(10):
        with pytest.raises(RuntimeError, match="model file missing"):
            await runner.start()
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)


async def started(grace: float, probe: Probe | None = None) -> ServiceRunner:
    runner = ServiceRunner(
        loopback_settings(), recording_factory(probe), service="test", shutdown_grace=grace
    )
    async with asyncio.timeout(STEP):
        await runner.start()
    return runner


@pytest.mark.parametrize("background", [True, False], ids=["start_task", "inline"])
async def test_graceful_stop_lets_a_short_request_finish(background: bool) -> None:
    probe = Probe()
    runner = await started(grace=2.0, probe=probe)
    async with asyncio.timeout(10), connect(runner.uri) as client:
        await client.send(Event("work", {"seconds": 0.3, "background": background}))
        await probe.started.wait()
        stop_started = time.monotonic()
        await runner.stop()
        stop_seconds = time.monotonic() - stop_started
        assert event_data(await client.recv()) == {"seconds": 0.3}
        assert await client.recv() is None
    assert 0.2 <= stop_seconds < 1.5


@pytest.mark.parametrize("background", [True, False], ids=["start_task", "inline"])
async def test_graceful_stop_ends_a_long_request_with_error(background: bool) -> None:
    probe = Probe()
    runner = await started(grace=0.3, probe=probe)
    async with asyncio.timeout(10), connect(runner.uri) as client:
        await client.send(Event("work", {"seconds": 3.0, "background": background}))
        await probe.started.wait()
        stop_started = time.monotonic()
        await runner.stop()
        stop_seconds = time.monotonic() - stop_started
        error = await client.recv(timeout=1.0)
        assert error is not None and error.type == "error"
        assert error.data["code"] == "shutting-down"
        assert "test" in error.data["text"]
        assert await client.recv(timeout=1.0) is None
        # the abandoned request does not keep running after stop()
        async with asyncio.timeout(1.0):
            await probe.cancelled.wait()
    assert 0.25 <= stop_seconds < 1.5


async def test_stop_closes_idle_connections_without_error() -> None:
    runner = await started(grace=2.0)
    async with asyncio.timeout(10), connect(runner.uri) as client:
        await client.send(Describe().event())
        assert (await client.recv()) is not None
        stop_started = time.monotonic()
        await runner.stop()
        assert time.monotonic() - stop_started < 0.5
        assert await client.recv(timeout=1.0) is None


class NotifySocket:
    """A real AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)

    async def receive(self, timeout: float = 2.0) -> str:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            data = await loop.sock_recv(self.sock, 4096)
        return data.decode()

    async def receive_until(self, prefix: str, timeout: float = 2.0) -> list[str]:
        """Messages received up to and including the first one starting with prefix."""
        messages: list[str] = []
        async with asyncio.timeout(timeout):
            while not messages or not messages[-1].startswith(prefix):
                messages.append(await self.receive(timeout))
        return messages


@pytest.fixture
async def notify_socket(
    short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[NotifySocket]:
    sock = NotifySocket(short_dir / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(sock.path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield sock
    sock.sock.close()


async def test_sd_notify_ready_and_stopping(notify_socket: NotifySocket) -> None:
    runner = ServiceRunner(loopback_settings(), recording_factory(), service="stt")
    async with asyncio.timeout(10):
        await runner.start()
        ready = await notify_socket.receive()
        assert ready.splitlines()[0] == "READY=1"
        assert f"STATUS=stt ready at {runner.uri}" in ready.splitlines()
        await runner.stop()
        messages = await notify_socket.receive_until("STOPPING=1")
        assert messages[-1] == "STOPPING=1"
        assert not any(m.startswith("WATCHDOG") for m in messages)


async def test_ready_is_sent_only_after_load(notify_socket: NotifySocket) -> None:
    loaded = asyncio.Event()

    async def load() -> None:
        await asyncio.sleep(0.1)
        loaded.set()

    runner = ServiceRunner(loopback_settings(), recording_factory(), service="stt", load=load)
    async with asyncio.timeout(10):
        start = asyncio.create_task(runner.start())
        with pytest.raises(TimeoutError):
            await notify_socket.receive(timeout=0.05)
        ready = await notify_socket.receive()
        assert loaded.is_set() and ready.startswith("READY=1")
        await start
        await runner.stop()


async def test_watchdog_pings(notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # WatchdogSec=1 → a ping every 0.5 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    runner = ServiceRunner(loopback_settings(), recording_factory(), service="stt")
    async with asyncio.timeout(10):
        await runner.start()
        try:
            assert (await notify_socket.receive()).startswith("READY=1")
            first = await notify_socket.receive(timeout=1.0)
            started = time.monotonic()
            second = await notify_socket.receive(timeout=1.0)
            gap = time.monotonic() - started
        finally:
            await runner.stop()
        assert first == second == "WATCHDOG=1"
        assert 0.3 < gap < 0.9
        messages = await notify_socket.receive_until("STOPPING=1")
        assert messages[-1] == "STOPPING=1"
        # the pings stop with the service
        with pytest.raises(TimeoutError):
            await notify_socket.receive(timeout=0.7)


def test_watchdog_interval_from_environment() -> None:
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "100"}) == 0.5  # never busy-loops
    assert watchdog_interval({"WATCHDOG_USEC": "junk"}) is None
    other_pid = str(os.getpid() + 1)
    assert watchdog_interval({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": other_pid}) is None
    mine = str(os.getpid())
    assert watchdog_interval({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": mine}) == 1.0


def test_notify_without_systemd_and_with_a_dead_socket(short_dir: Path) -> None:
    assert notify("READY=1", {}) is False
    assert notify("READY=1", {"NOTIFY_SOCKET": str(short_dir / "missing")}) is False


def test_notify_abstract_socket() -> None:
    name = f"wv-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2.0)
        assert notify("READY=1", {"NOTIFY_SOCKET": "@" + name}) is True
        assert sock.recv(100) == b"READY=1"
