"""Small real Wyoming services for the ops tests: they answer describe like ours will."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

from wyoming.event import Event
from wyoming.info import (
    AsrModel,
    AsrProgram,
    HandleModel,
    HandleProgram,
    Info,
    Satellite,
    TtsProgram,
    TtsVoice,
)

from tests.support.services import running_service
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.info import our_attribution

STT_NAME = "wyoming-voice-whisper"
TTS_NAME = "wyoming-voice-piper"
AGENT_NAME = "wyoming-voice-agent"
SATELLITE_NAME = "Kitchen satellite"


def stt_info(languages: tuple[str, ...] = ("en", "de", "fr")) -> Info:
    """An STT service with one model."""
    model = AsrModel(
        name="small-int8",
        attribution=our_attribution(),
        installed=True,
        description=None,
        version=None,
        languages=list(languages),
    )
    program = AsrProgram(
        name=STT_NAME,
        attribution=our_attribution(),
        installed=True,
        description="speech-to-text",
        version="0.1.0",
        models=[model],
    )
    return Info(asr=[program])


def tts_info() -> Info:
    """A TTS service with a German and an English voice (German first)."""
    voices = [
        TtsVoice(
            name=name,
            attribution=our_attribution(),
            installed=True,
            description=None,
            version=None,
            languages=[language],
        )
        for name, language in (("de_DE-thorsten-medium", "de_DE"), ("en_US-lessac-medium", "en_US"))
    ]
    program = TtsProgram(
        name=TTS_NAME,
        attribution=our_attribution(),
        installed=True,
        description="text-to-speech",
        version="0.1.0",
        voices=voices,
    )
    return Info(tts=[program])


def agent_info() -> Info:
    """A conversation agent."""
    model = HandleModel(
        name="qwen",
        attribution=our_attribution(),
        installed=True,
        description=None,
        version=None,
        languages=["en", "de"],
    )
    program = HandleProgram(
        name=AGENT_NAME,
        attribution=our_attribution(),
        installed=True,
        description="agent",
        version="0.1.0",
        models=[model],
        supports_home_control=True,
    )
    return Info(handle=[program])


def satellite_info() -> Info:
    """A satellite in the kitchen."""
    satellite = Satellite(
        name=SATELLITE_NAME,
        attribution=our_attribution(),
        installed=True,
        description=None,
        version="0.1.0",
        area="Kitchen",
        has_vad=True,
        active_wake_words=["okay_nabu"],
        max_active_wake_words=1,
        supports_trigger=True,
    )
    return Info(satellite=satellite)


class DescribeOnlyHandler(ServiceEventHandler):
    """Answers describe/ping (the base class does); any other event is ignored."""

    async def handle_request(self, event: Event) -> bool:
        return True


@contextlib.asynccontextmanager
async def serve_info(info: Info) -> AsyncIterator[str]:
    """A real ServiceRunner on a free loopback port answering describe; yields its URI."""
    factory = partial(DescribeOnlyHandler, info=lambda: info)
    async with running_service(factory) as runner:
        yield runner.uri


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers; yields its URI."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)
