"""read_event: exact parsing, limits, malformed input, and a round trip of every message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, Eventable, async_write_event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled
from wyoming.info import Describe
from wyoming.intent import Entity, Intent, NotRecognized
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.snd import Played
from wyoming.timer import TimerCancelled, TimerFinished, TimerStarted, TimerUpdated
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)
from wyoming.vad import VoiceStarted, VoiceStopped
from wyoming.wake import Detect, Detection, NotDetected

from wyoming_common.errors import PayloadTooLargeError, ProtocolError
from wyoming_common.wire import WireLimits, read_event

from .helpers import sample_info


def reader_with(data: bytes, *, eof: bool = True, limit: int = 2**16) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=limit)
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def header(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


async def read(reader: asyncio.StreamReader, limits: WireLimits | None = None) -> Event | None:
    async with asyncio.timeout(2):
        if limits is None:
            return await read_event(reader)
        return await read_event(reader, limits)


async def test_header_only() -> None:
    event = await read(reader_with(header(type="describe", version="1.10.2")))
    assert event == Event(type="describe", data={}, payload=None)


async def test_inline_data() -> None:
    event = await read(reader_with(header(type="transcript", data={"text": "hi"})))
    assert event == Event(type="transcript", data={"text": "hi"}, payload=None)


async def test_separate_data_block() -> None:
    block = json.dumps({"text": "héllo", "language": "en"}).encode()
    event = await read(reader_with(header(type="transcript", data_length=len(block)) + block))
    assert event == Event(type="transcript", data={"text": "héllo", "language": "en"})


async def test_inline_and_block_are_merged_block_wins() -> None:
    block = json.dumps({"text": "from block", "language": "en"}).encode()
    line = header(type="transcript", data={"text": "inline", "extra": 1}, data_length=len(block))
    event = await read(reader_with(line + block))
    assert event is not None
    assert event.data == {"text": "from block", "extra": 1, "language": "en"}


async def test_payload_and_following_event() -> None:
    payload = bytes(range(256)) * 3
    block = json.dumps({"rate": 16000, "width": 2, "channels": 1}).encode()
    stream = header(type="audio-chunk", data_length=len(block), payload_length=len(payload))
    stream += block + payload + header(type="audio-stop")
    reader = reader_with(stream)
    first = await read(reader)
    assert first == Event(
        type="audio-chunk", data={"rate": 16000, "width": 2, "channels": 1}, payload=payload
    )
    assert await read(reader) == Event(type="audio-stop")
    assert await read(reader) is None


async def test_zero_lengths_mean_nothing_follows() -> None:
    reader = reader_with(header(type="ping", data_length=0, payload_length=0) + header(type="x"))
    assert await read(reader) == Event(type="ping")
    assert await read(reader) == Event(type="x")


async def test_clean_eof_is_none() -> None:
    assert await read(reader_with(b"")) is None
    assert await read(reader_with(b"  ")) is None  # only whitespace before EOF


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b"\xff\xfe\n",
        b"[1, 2]\n",
        b'"describe"\n',
        b'{"data": {}}\n',
        b'{"type": ""}\n',
        b'{"type": 7}\n',
    ],
    ids=["garbage", "not-utf8", "array", "string", "no-type", "empty-type", "int-type"],
)
async def test_malformed_header(line: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        await read(reader_with(line))
    assert not isinstance(info.value, PayloadTooLargeError)
    assert info.value.code == "protocol-error"


@pytest.mark.parametrize("data", [[1, 2], "text", 5], ids=["list", "string", "number"])
async def test_non_object_inline_data(data: object) -> None:
    with pytest.raises(ProtocolError, match="data"):
        await read(reader_with(header(type="x", data=data)))


@pytest.mark.parametrize("block", [b"[1]", b'"s"', b"{bad json", b"\xff\xff"])
async def test_bad_data_block(block: bytes) -> None:
    with pytest.raises(ProtocolError, match="data"):
        await read(reader_with(header(type="x", data_length=len(block)) + block))


@pytest.mark.parametrize("value", [-1, "10", 1.5, True])
@pytest.mark.parametrize("key", ["data_length", "payload_length"])
async def test_invalid_lengths(key: str, value: object) -> None:
    with pytest.raises(ProtocolError, match=key) as info:
        await read(reader_with(header(type="x", **{key: value})))
    assert not isinstance(info.value, PayloadTooLargeError)


@pytest.mark.parametrize("key", ["data_length", "payload_length"])
async def test_oversized_block_rejected_before_reading(key: str) -> None:
    # Only the header is available and the stream stays open: a reader that tried to read
    # (or allocate) the announced block would block here instead of failing at once.
    reader = reader_with(header(type="audio-chunk", **{key: 10**12}), eof=False)
    with pytest.raises(PayloadTooLargeError) as info:
        await read(reader)
    assert info.value.code == "payload-too-large"


async def test_limits_are_inclusive_and_configurable() -> None:
    limits = WireLimits(max_header_bytes=200, max_data_bytes=10, max_payload_bytes=4)
    block = b'{"a": 123}'  # exactly 10 bytes
    ok = header(type="x", data_length=10, payload_length=4) + block + b"abcd"
    assert await read(reader_with(ok), limits) == Event("x", {"a": 123}, b"abcd")
    with pytest.raises(PayloadTooLargeError):
        await read(reader_with(header(type="x", payload_length=5), eof=False), limits)
    with pytest.raises(PayloadTooLargeError):
        await read(reader_with(header(type="x", data_length=11), eof=False), limits)


async def test_header_longer_than_limit() -> None:
    limits = WireLimits(max_header_bytes=64)
    line = header(type="transcript", data={"text": "x" * 100})
    with pytest.raises(PayloadTooLargeError, match="header"):
        await read(reader_with(line), limits)


async def test_header_longer_than_stream_buffer_without_newline() -> None:
    reader = reader_with(b'{"type": "x", "data": {"t": "' + b"a" * 5000, eof=False, limit=1024)
    with pytest.raises(PayloadTooLargeError, match="header"):
        await read(reader)


@pytest.mark.parametrize(
    "stream",
    [
        b'{"type": "x"',
        header(type="x", data_length=20) + b'{"a": 1',
        header(type="x", payload_length=10) + b"12345",
        header(type="x", data_length=2, payload_length=10) + b"{}",
    ],
    ids=["in-header", "in-data", "in-payload", "before-payload"],
)
async def test_eof_in_the_middle_of_an_event(stream: bytes) -> None:
    with pytest.raises(ProtocolError, match="closed in the middle"):
        await read(reader_with(stream))


MESSAGES: list[Eventable] = [
    Describe(),
    sample_info(),
    Ping(text="abc"),
    Pong(text="abc"),
    Error(text="bad thing", code="bad-request"),
    Transcribe(language="en", transcript_names=["Kitchen"], transcript_terms=["Nabu"]),
    Transcript(text="turn on the kitchen light", language="en"),
    TranscriptStart(language="en"),
    TranscriptChunk(text="turn on"),
    TranscriptStop(),
    AudioStart(rate=16000, width=2, channels=1, timestamp=0),
    AudioChunk(rate=22050, width=2, channels=1, audio=bytes(range(256)) * 8, timestamp=10),
    AudioStop(timestamp=20),
    Synthesize(text="Hello there.", voice=SynthesizeVoice(name="en_US-lessac", speaker="0")),
    SynthesizeStart(voice=SynthesizeVoice(name="en_US-lessac")),
    SynthesizeChunk(text="Hello "),
    SynthesizeStop(),
    SynthesizeStopped(),
    Detect(names=["okay_nabu"]),
    Detection(name="okay_nabu", timestamp=1234),
    NotDetected(),
    VoiceStarted(timestamp=5),
    VoiceStopped(timestamp=6),
    Handled(text="Turned on the light.", context={"conversation_id": "01ABC"}),
    HandledStart(),
    HandledChunk(text="Turned "),
    HandledStop(),
    NotHandled(text="I don't know that device."),
    Intent(name="HassTurnOn", entities=[Entity(name="name", value="kitchen light")]),
    NotRecognized(text="nope"),
    RunSatellite(),
    PauseSatellite(),
    RunPipeline(start_stage=PipelineStage.ASR, end_stage=PipelineStage.TTS),
    Played(),
    TimerStarted(id="t1", total_seconds=300, name="tea"),
    TimerUpdated(id="t1", is_active=False, total_seconds=200),
    TimerCancelled(id="t1"),
    TimerFinished(id="t1"),
]


@pytest.fixture
async def loopback_pair() -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A client writer connected over 127.0.0.1 to a server-side reader."""
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put((reader, writer))

    async with asyncio.timeout(5):
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        server_reader, server_writer = await accepted.get()
    yield server_reader, writer
    writer.close()
    server_writer.close()
    server.close()
    async with asyncio.timeout(5):
        await server.wait_closed()


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
async def test_round_trip_over_loopback(
    message: Eventable, loopback_pair: tuple[asyncio.StreamReader, asyncio.StreamWriter]
) -> None:
    server_reader, writer = loopback_pair
    sent = message.event()
    async with asyncio.timeout(5):
        await async_write_event(sent, writer)
        received = await read_event(server_reader)
    assert received is not None
    assert received.type == sent.type
    assert received.data == json.loads(json.dumps(sent.data))
    assert received.payload == (sent.payload or None)
    assert type(message).is_type(received.type)
    assert type(message).from_event(received) == message
