"""A client pointed at the wrong kind of service says what the service is, at once."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from wyoming.event import Event
from wyoming.info import Attribution, Info, Satellite, TtsProgram, TtsVoice, WakeModel, WakeProgram

from tests.support.services import not_wyoming_server, running_service
from wyoming_common.client import (
    ServiceUnavailableError,
    WrongServiceError,
    WyomingConnection,
    describe,
    describe_kinds,
    expect_service,
    service_kinds,
)
from wyoming_common.errors import ProtocolError
from wyoming_common.memory import MemoryReturner, rss_bytes
from wyoming_common.signals import stop_on_signals

from .helpers import recording_factory, sample_info

ATTRIBUTION = Attribution(name="t", url="https://example.invalid")


async def test_wrong_kind_is_named() -> None:
    async with asyncio.timeout(10), running_service(recording_factory()) as runner:
        assert (await expect_service(runner.uri, "asr")).asr
        started = time.monotonic()
        with pytest.raises(WrongServiceError) as info:
            await expect_service(runner.uri, "tts")
        assert time.monotonic() - started < 2
    assert str(info.value) == (
        f"{runner.uri} is a speech-to-text service, not a text-to-speech service"
    )
    assert info.value.code == "wrong-service"


async def test_not_wyoming_at_all() -> None:
    async with asyncio.timeout(10), not_wyoming_server(b"HTTP/1.1 400 Bad Request\r\n\r\n") as uri:
        with pytest.raises(ServiceUnavailableError, match="did not answer like a Wyoming service"):
            await expect_service(uri, "asr")


NOT_WYOMING = {
    "http": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n",
    "garbage": bytes(range(256)) + b"\n",
    "json but no type": b'{"hello": "world"}\n',
    "oversized header": b"x" * (200 * 1024) + b"\n",
    "announces a huge payload": b'{"type": "info", "payload_length": 99999999999}\n',
}


@pytest.mark.parametrize("answer", NOT_WYOMING.values(), ids=NOT_WYOMING.keys())
async def test_describe_of_a_peer_that_is_not_wyoming(answer: bytes) -> None:
    async with asyncio.timeout(10), not_wyoming_server(answer) as uri:
        with pytest.raises(ServiceUnavailableError) as info:
            await describe(uri, timeout=5.0)
    assert type(info.value) is ServiceUnavailableError  # not a raw ProtocolError
    assert str(info.value).startswith(f"{uri} did not answer like a Wyoming service: ")
    assert isinstance(info.value.__cause__, ProtocolError)


async def test_read_of_a_peer_that_is_not_wyoming() -> None:
    async with asyncio.timeout(10), not_wyoming_server(NOT_WYOMING["http"]) as uri:
        async with WyomingConnection(uri, read_timeout=5.0) as conn:
            await conn.write(Event("describe"))
            with pytest.raises(ServiceUnavailableError, match="did not answer like a Wyoming"):
                await conn.read()


async def test_silent_service_times_out_quickly() -> None:
    async with asyncio.timeout(10), not_wyoming_server(None) as uri:
        with pytest.raises(ServiceUnavailableError, match=r"did not answer within 0\.5 s"):
            await expect_service(uri, "tts", timeout=0.5)


def test_kinds_from_info() -> None:
    voice = TtsVoice(
        name="v",
        attribution=ATTRIBUTION,
        installed=True,
        description=None,
        version=None,
        languages=["en"],
    )
    tts = TtsProgram(
        name="t",
        attribution=ATTRIBUTION,
        installed=True,
        description=None,
        version=None,
        voices=[voice],
    )
    assert service_kinds(Info(tts=[tts])) == ["tts"]
    assert service_kinds(sample_info()) == ["asr"]
    assert service_kinds(Info()) == []
    assert describe_kinds([]).startswith("a Wyoming service that offers nothing")
    wake = WakeProgram(
        name="w",
        attribution=ATTRIBUTION,
        installed=True,
        description=None,
        version=None,
        models=[
            WakeModel(
                name="okay_nabu",
                attribution=ATTRIBUTION,
                installed=True,
                description=None,
                version=None,
                languages=["en"],
                phrase="okay nabu",
            )
        ],
    )
    satellite = Satellite(
        name="s", attribution=ATTRIBUTION, installed=True, description=None, version=None
    )
    # A satellite with local wake words is a satellite, not a wake service.
    assert service_kinds(Info(wake=[wake], satellite=satellite)) == ["satellite"]
    assert service_kinds(Info(wake=[wake])) == ["wake"]


async def test_stop_on_signals_sets_the_event_and_restores() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    stop = asyncio.Event()
    with stop_on_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        async with asyncio.timeout(2):
            await stop.wait()
    assert signal.getsignal(signal.SIGTERM) == previous


async def test_memory_returner_and_rss() -> None:
    rss = rss_bytes()
    assert rss is not None and rss > 1_000_000
    assert rss_bytes(2**22 + 12345) is None  # no such process
    memory = MemoryReturner(interval=0.05)
    memory.configure()
    for _ in range(5):  # a burst of closed connections: one trim
        memory.connection_ended()
    await asyncio.sleep(0.3)
    assert memory.trims == (1 if memory.available else 0)
