"""Bad clients get `error` and a closed connection; the server keeps serving everyone else."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from pathlib import Path

import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event

from tests.support.services import shared_path
from wyoming_common.audio import STT_FORMAT
from wyoming_common.client import WyomingConnection
from wyoming_common.runner import ServiceRunner
from wyoming_common.wire import read_event
from wyoming_stt.pocketsphinx.engine import PocketsphinxTranscriber

from .conftest import stt_service
from .wyoming_io import send_audio, transcribe_once, wav_audio


async def _raw_exchange(runner: ServiceRunner, data: bytes) -> list[Event]:
    """Send raw bytes; every event the server sends until it closes the connection."""
    assert runner.port is not None
    async with asyncio.timeout(10):
        reader, writer = await asyncio.open_connection("127.0.0.1", runner.port)
        writer.write(data)
        await writer.drain()
        events: list[Event] = []
        while (event := await read_event(reader)) is not None:
            events.append(event)
        writer.close()
    return events


async def _events_then_close(runner: ServiceRunner, events: list[Event]) -> list[Event]:
    """Send events; every event the server sends until it closes the connection."""
    async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
        for event in events:
            await conn.write(event)
        received: list[Event] = []
        while (reply := await conn.read()) is not None:
            received.append(reply)
    return received


def _error_code(events: list[Event]) -> str | None:
    assert [e.type for e in events] == ["error"], events
    return Error.from_event(events[0]).code


async def _still_serves(runner: ServiceRunner, commands: list[tuple[Path, str]]) -> None:
    wav = next(w for w, _t in commands if w.name == "turn_on_the_lights.wav")
    transcript = await transcribe_once(runner.uri, *wav_audio(wav))
    assert transcript.text == "turn on the lights"


_START = AudioStart(rate=16000, width=2, channels=1).event()
_CHUNK = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(320)).event()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{this is not json\n", "protocol-error"),
        (b'["a list"]\n', "protocol-error"),
        (b'{"type": "audio-chunk", "data_length": 1000000000000}\n', "payload-too-large"),
        (b'{"type": "audio-chunk", "payload_length": 1000000000000}\n', "payload-too-large"),
        (b'{"type": "audio-chunk", "data_length": -5}\n', "protocol-error"),
        (b'{"type": "transcribe", "data": {"language": "en\\ud800"}}\n', "bad-request"),
    ],
    ids=[
        "malformed-json",
        "not-an-object",
        "huge-data",
        "huge-payload",
        "negative-length",
        "lone-surrogate",
    ],
)
async def test_malformed_wire_data(
    grammar_engine: PocketsphinxTranscriber,
    commands: list[tuple[Path, str]],
    raw: bytes,
    code: str,
) -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with stt_service(grammar_engine) as runner:
        assert _error_code(await _raw_exchange(runner, raw)) == code
        await _still_serves(runner, commands)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert grown_mb < 200, f"peak memory grew by {grown_mb:.0f} MB"


@pytest.mark.parametrize(
    "events",
    [
        [_CHUNK],
        [AudioStart(rate=16000, width=5, channels=1).event(), _CHUNK],
        [AudioStart(rate=16000, width=2, channels=0).event()],
        [AudioStart(rate=0, width=2, channels=1).event()],
        [Event(type="audio-start", data={"width": 2, "channels": 1})],
        [_START, AudioChunk(rate=8000, width=2, channels=1, audio=bytes(160)).event()],
        [_START, Event(type="audio-chunk", data={"rate": 16000}, payload=bytes(320))],
        [AudioStop().event()],
        [_START, _CHUNK, _START],
        [Event(type="audio-start", data={"rate": 16000, "width": 2.0, "channels": 1})],
        [Event(type="audio-start", data={"rate": "16000", "width": 2, "channels": 1})],
        [AudioStart(rate=192000, width=4, channels=8).event()],
        [AudioStart(rate=16000, width=2, channels=8).event()],
        [Event(type="audio-start", data={"rate": 16000, "width": True, "channels": 1})],
        [Event(type="transcribe", data={"language": 5})],
        [Event(type="transcribe", data={"transcript_names": "Kitchen"})],
        [Event(type="transcribe", data={"transcript_names": [1, 2]})],
        [Event(type="transcribe", data={"context": "x"})],
    ],
    ids=[
        "chunk-before-start",
        "width-5",
        "no-channels",
        "rate-0",
        "start-without-rate",
        "chunk-format-changes",
        "chunk-without-format",
        "stop-without-start",
        "second-start",
        "width-float",
        "rate-string",
        "absurd-format",
        "eight-channels",
        "width-bool",
        "language-number",
        "names-not-a-list",
        "names-not-strings",
        "context-not-object",
    ],
)
async def test_protocol_violations(
    grammar_engine: PocketsphinxTranscriber,
    commands: list[tuple[Path, str]],
    events: list[Event],
) -> None:
    async with stt_service(grammar_engine) as runner:
        assert _error_code(await _events_then_close(runner, events)) == "bad-request"
        await _still_serves(runner, commands)


async def test_disconnect_mid_stream(
    grammar_engine: PocketsphinxTranscriber,
    commands: list[tuple[Path, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    pcm, fmt = wav_audio(commands[0][0])
    caplog.set_level(logging.INFO, logger="wyoming_stt")
    async with stt_service(grammar_engine) as runner:
        # Cleanly between events, then in the middle of an event's payload.
        async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm[: len(pcm) // 2], fmt, stop=False)
        assert runner.port is not None
        async with asyncio.timeout(10):
            _reader, writer = await asyncio.open_connection("127.0.0.1", runner.port)
            await async_write_event(_START, writer)
            header = {"type": "audio-chunk", "payload_length": 3200, "data": {}}
            writer.write(json.dumps(header).encode() + b"\n" + bytes(100))
            await writer.drain()
            writer.close()
        await _still_serves(runner, commands)
    assert "disconnected in the middle of an audio stream" in caplog.text


async def test_disconnect_during_transcription_cancels_it(
    lm_engine: PocketsphinxTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that leaves after audio-stop: its transcription stops, the engine recovers."""
    pcm, fmt = wav_audio(shared_path("audio", "misc", "jfk.wav"))
    caplog.set_level(logging.INFO, logger="wyoming_stt")
    async with stt_service(lm_engine) as runner:
        async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm, fmt)
            await asyncio.sleep(0.3)  # the decoder is busy now
        short, short_fmt = wav_audio(shared_path("audio", "misc", "this_is_a_test.wav"))
        transcript = await transcribe_once(runner.uri, short, short_fmt)
    assert "test" in transcript.text.split()
    assert "disconnected before its transcript" in caplog.text


async def test_stray_audio_stop_after_a_transcript_is_an_error(
    grammar_engine: PocketsphinxTranscriber,
) -> None:
    """audio-stop with no stream open is a protocol violation (after a finished request)."""
    async with stt_service(grammar_engine) as runner:
        async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, bytes(3200), STT_FORMAT)
            first = await conn.read()
            assert first is not None and first.type == "transcript"
            await conn.write(AudioStop().event())
            reply = await conn.read()
            assert reply is not None and Error.from_event(reply).code == "bad-request"
            assert await conn.read() is None
