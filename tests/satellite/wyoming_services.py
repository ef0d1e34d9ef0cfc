"""Small real Wyoming servers that speak the exact STT / handle / TTS / snd / mic / wake protocol.

They stand in for the project's own services (being written in parallel) so the satellite's
streaming behaviour can be proven on loopback sockets. Each records what it saw, in memory.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
)

from tests.support.services import running_service
from wyoming_common.audio import AudioFormat, float_to_pcm16
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.runner import ServiceRunner

ATTRIBUTION = Attribution(name="tests", url="https://example.invalid")
TTS_FORMAT = AudioFormat(22050, 2, 1)
SECONDS_PER_WORD = 0.12


def artifact(name: str) -> dict[str, Any]:
    """The fields every info artifact needs."""
    return {
        "name": name,
        "attribution": ATTRIBUTION,
        "installed": True,
        "description": name,
        "version": "1",
    }


def closed_port_uri() -> str:
    """A loopback URI where nothing listens (a service that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{sock.getsockname()[1]}"


def speech_audio(text: str) -> bytes:
    """A tone whose length grows with the number of words (stands in for a voice)."""
    seconds = max(0.2, SECONDS_PER_WORD * len(text.split()))
    t = np.arange(int(TTS_FORMAT.rate * seconds)) / TTS_FORMAT.rate
    return float_to_pcm16((0.2 * np.sin(2 * np.pi * 300 * t)).astype(np.float32))


@dataclass
class Recorder:
    """What a test service saw; times are time.monotonic()."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)
    audio_bytes: int = 0

    def mark(self, name: str) -> None:
        """Remember when something happened first."""
        self.marks.setdefault(name, time.monotonic())


# -- STT ------------------------------------------------------------------------------------


class SttHandler(ServiceEventHandler):
    """transcribe + audio → transcript (a fixed text); optionally answers before audio-stop."""

    service = "test-stt"

    def __init__(
        self, *args: Any, text: str, recorder: Recorder, early_after: float | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.text = text
        self.recorder = recorder
        self.early_after = early_after
        self._seconds = 0.0
        self._answered = False

    async def handle_request(self, event: Event) -> bool:
        if Transcribe.is_type(event.type):
            self.recorder.requests.append({"language": Transcribe.from_event(event).language})
            self._seconds, self._answered = 0.0, False
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            self.recorder.audio_bytes += len(chunk.audio)
            self._seconds += chunk.seconds
            if self.early_after is not None and self._seconds >= self.early_after:
                return await self._answer()
        elif AudioStop.is_type(event.type):
            self.recorder.mark("audio_stop")
            return await self._answer()
        return True

    async def _answer(self) -> bool:
        if not self._answered:
            self._answered = True
            await self.write_event(Transcript(text=self.text, language="en").event())
        return True


def stt_info() -> Info:
    model = AsrModel(**artifact("test-model"), languages=["en"])
    return Info(asr=[AsrProgram(**artifact("test-stt"), models=[model])])


# -- agent ----------------------------------------------------------------------------------


class AgentHandler(ServiceEventHandler):
    """transcript → handled-start, a handled-chunk per sentence (with a pause), handled-stop,
    handled; or only handled when not streaming."""

    service = "test-agent"

    def __init__(
        self,
        *args: Any,
        reply: str,
        recorder: Recorder,
        streaming: bool,
        pause: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.reply = reply
        self.recorder = recorder
        self.streaming = streaming
        self.pause = pause

    async def handle_request(self, event: Event) -> bool:
        if not Transcript.is_type(event.type):
            return True
        transcript = Transcript.from_event(event)
        self.recorder.requests.append({"text": transcript.text, "context": transcript.context})
        cid = (transcript.context or {}).get("conversation_id") or "agent-conversation"
        context = {"conversation_id": cid}
        if self.streaming:
            await self.write_event(HandledStart(context=context).event())
            for index, sentence in enumerate(re.findall(r"[^.!?]+[.!?]*\s*", self.reply)):
                if index:
                    await asyncio.sleep(self.pause)
                await self.write_event(HandledChunk(text=sentence).event())
                self.recorder.mark("first_chunk")
            await self.write_event(HandledStop().event())
        else:
            await asyncio.sleep(self.pause)
        self.recorder.mark("handled")
        await self.write_event(Handled(text=self.reply, context=context).event())
        return True


def agent_info(streaming: bool) -> Info:
    model = HandleModel(**artifact("test-agent-model"), languages=["en"])
    program = HandleProgram(
        **artifact("test-agent"), models=[model], supports_handled_streaming=streaming
    )
    return Info(handle=[program])


# -- TTS ------------------------------------------------------------------------------------


class TtsHandler(ServiceEventHandler):
    """Streaming: one audio block per finished sentence as soon as its text is in, then
    synthesize-stopped. Non-streaming: synthesize → one block."""

    service = "test-tts"

    def __init__(self, *args: Any, recorder: Recorder, streaming: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = recorder
        self.streaming = streaming
        self._buffer: str | None = None

    async def handle_request(self, event: Event) -> bool:
        if SynthesizeStart.is_type(event.type) and self.streaming:
            self._buffer = ""
        elif SynthesizeChunk.is_type(event.type) and self._buffer is not None:
            self._buffer += SynthesizeChunk.from_event(event).text
            while (match := re.search(r"[.!?]\s", self._buffer + " ")) is not None:
                sentence, self._buffer = self._buffer[: match.end()], self._buffer[match.end() :]
                if not sentence.strip():
                    break
                await self._speak(sentence)
        elif Synthesize.is_type(event.type):
            if self._buffer is None:  # not streaming: the whole text, one block
                self.recorder.requests.append({"text": Synthesize.from_event(event).text})
                await self._speak(Synthesize.from_event(event).text)
        elif SynthesizeStop.is_type(event.type) and self._buffer is not None:
            if self._buffer.strip():
                await self._speak(self._buffer)
            self._buffer = None
            await self.write_event(SynthesizeStopped().event())
        return True

    async def _speak(self, text: str) -> None:
        self.recorder.requests.append({"sentence": text.strip()})
        fmt = TTS_FORMAT
        await self.write_event(AudioStart(fmt.rate, fmt.width, fmt.channels).event())
        audio = speech_audio(text)
        for i in range(0, len(audio), 2048):
            chunk = AudioChunk(fmt.rate, fmt.width, fmt.channels, audio[i : i + 2048])
            await self.write_event(chunk.event())
            self.recorder.mark("first_audio")
        await self.write_event(AudioStop().event())


def tts_info(streaming: bool) -> Info:
    voice = TtsVoice(**artifact("test-voice"), languages=["en_US"])
    program = TtsProgram(
        **artifact("test-tts"), voices=[voice], supports_synthesize_streaming=streaming
    )
    return Info(tts=[program])


@asynccontextmanager
async def serve(
    handler: Callable[..., ServiceEventHandler], info: Info, **kwargs: Any
) -> AsyncIterator[ServiceRunner]:
    """Run a handler class on a free loopback port."""
    factory = partial(handler, info=lambda: info, **kwargs)
    async with running_service(factory) as runner:
        yield runner


@asynccontextmanager
async def pipeline_services(
    *,
    transcript: str = "turn on the kitchen lights",
    reply: str = "Turned on the kitchen lights. They were off before. Anything else?",
    agent_streaming: bool = True,
    tts_streaming: bool = True,
    agent_pause: float = 0.3,
    stt_early_after: float | None = None,
) -> AsyncIterator[tuple[str, str, str, dict[str, Recorder]]]:
    """STT, agent and TTS on loopback; yields their URIs and recorders."""
    records = {"stt": Recorder(), "agent": Recorder(), "tts": Recorder()}
    async with (
        serve(
            SttHandler,
            stt_info(),
            text=transcript,
            recorder=records["stt"],
            early_after=stt_early_after,
        ) as stt,
        serve(
            AgentHandler,
            agent_info(agent_streaming),
            reply=reply,
            recorder=records["agent"],
            streaming=agent_streaming,
            pause=agent_pause,
        ) as agent,
        serve(
            TtsHandler, tts_info(tts_streaming), recorder=records["tts"], streaming=tts_streaming
        ) as tts,
    ):
        yield stt.uri, agent.uri, tts.uri, records
