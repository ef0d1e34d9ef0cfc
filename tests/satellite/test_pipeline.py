"""The reusable standalone pipeline against small real STT / agent / TTS servers on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from voice_pipeline.conversation import ConversationTracker
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineListener, PipelineOptions
from wyoming_common.audio import AudioFormat

from .harness import command_clip, pcm_of
from .wyoming_services import TTS_FORMAT, closed_port_uri, pipeline_services, speech_audio

pytestmark = pytest.mark.timeout(30)

REPLY = "Turned on the kitchen lights. They were off before. Anything else?"


class Recording(PipelineListener):
    """Remembers every callback with its time."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object, float]] = []
        self.audio = bytearray()

    def _add(self, name: str, value: object = None) -> None:
        self.calls.append((name, value, time.monotonic()))

    async def on_end_of_speech(self) -> None:
        self._add("end_of_speech")

    async def on_transcript(self, text: str) -> None:
        self._add("transcript", text)

    async def on_reply_chunk(self, text: str) -> None:
        self._add("reply_chunk", text)

    async def on_reply(self, text: str) -> None:
        self._add("reply", text)

    async def on_audio_start(self, fmt: AudioFormat) -> None:
        self._add("audio_start", fmt)

    async def on_audio(self, audio: bytes, fmt: AudioFormat) -> None:
        if not self.audio:
            self._add("first_audio")
        self.audio.extend(audio)

    async def on_audio_stop(self) -> None:
        self._add("audio_stop")

    def names(self) -> list[str]:
        return [name for name, _value, _at in self.calls]

    def at(self, name: str) -> float:
        return next(at for n, _v, at in self.calls if n == name)


async def chunks(pcm: bytes, size: int = 2048) -> AsyncIterator[bytes]:
    for i in range(0, len(pcm), size):
        yield pcm[i : i + size]
        await asyncio.sleep(0)


async def test_first_audio_plays_before_the_agent_has_finished() -> None:
    async with pipeline_services(reply=REPLY, agent_pause=0.4) as (stt, agent, tts, records):
        pipeline = VoicePipeline(PipelineEndpoints(stt, agent, tts))
        listener = Recording()
        command = pcm_of(command_clip())
        async with asyncio.timeout(20):
            result = await pipeline.run(chunks(command), listener)
    assert result.transcript == "turn on the kitchen lights"
    assert result.reply == REPLY and result.handled
    assert result.agent_streamed and result.tts_streamed
    assert records["stt"].audio_bytes == len(command)
    # Streaming order: audio of the first sentence reached us before the agent said `handled`.
    assert listener.at("first_audio") < records["agent"].marks["handled"]
    assert listener.names()[:4] == ["end_of_speech", "transcript", "reply_chunk", "audio_start"]
    assert listener.names()[-2:] == ["reply", "audio_stop"]
    sentences = [r["sentence"] for r in records["tts"].requests]
    assert sentences == ["Turned on the kitchen lights.", "They were off before.", "Anything else?"]
    expected = sum(len(speech_audio(s)) for s in sentences)
    assert len(listener.audio) == expected
    timings = result.timings
    assert timings.first_audio is not None and timings.total is not None
    assert timings.first_audio < timings.total
    assert timings.first_audio < 0.4  # the agent's pause between sentences is not waited for
    assert result.audio_format == TTS_FORMAT


async def test_falls_back_to_synthesize_and_final_handled() -> None:
    async with pipeline_services(
        reply=REPLY, agent_streaming=False, tts_streaming=False, agent_pause=0.05
    ) as (stt, agent, tts, records):
        pipeline = VoicePipeline(PipelineEndpoints(stt, agent, tts))
        listener = Recording()
        async with asyncio.timeout(20):
            result = await pipeline.run(chunks(pcm_of(command_clip())), listener)
    assert not result.agent_streamed and not result.tts_streamed
    assert records["tts"].requests == [{"text": REPLY}, {"sentence": REPLY}]
    assert "reply_chunk" not in listener.names()
    assert len(listener.audio) == len(speech_audio(REPLY))


async def test_streaming_tts_with_an_agent_that_does_not_stream() -> None:
    async with pipeline_services(reply=REPLY, agent_streaming=False, agent_pause=0.0) as (
        stt,
        agent,
        tts,
        records,
    ):
        result = await VoicePipeline(PipelineEndpoints(stt, agent, tts)).respond("hello")
    assert result.tts_streamed and not result.agent_streamed
    assert len(records["tts"].requests) == 3  # still spoken sentence by sentence


async def test_transcript_before_audio_stop_ends_the_stream() -> None:
    async with pipeline_services(stt_early_after=0.5) as (stt, agent, tts, records):
        endless_end = asyncio.Event()

        async def endless() -> AsyncIterator[bytes]:
            while not endless_end.is_set():
                yield bytes(2048)
                await asyncio.sleep(0.005)

        async with asyncio.timeout(10):
            result = await VoicePipeline(PipelineEndpoints(stt, agent, tts)).run(endless())
        endless_end.set()
    assert result.transcript == "turn on the kitchen lights"
    assert "audio_stop" not in records["stt"].marks


async def test_end_of_speech_event_stops_streaming() -> None:
    async with pipeline_services() as (stt, agent, tts, records):
        eos = asyncio.Event()

        async def live() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield bytes(2048)
                await asyncio.sleep(0.01)
            eos.set()
            await asyncio.sleep(3600)  # a microphone that never ends by itself
            yield b""

        async with asyncio.timeout(10):
            result = await VoicePipeline(PipelineEndpoints(stt, agent, tts)).run(
                live(), end_of_speech=eos
            )
    assert records["stt"].audio_bytes == 20 * 2048
    assert result.reply


async def test_conversation_id_is_kept_for_follow_ups() -> None:
    now = [1000.0]
    tracker = ConversationTracker(clock=lambda: now[0])
    async with pipeline_services(agent_pause=0.0) as (stt, agent, tts, records):
        pipeline = VoicePipeline(PipelineEndpoints(stt, agent, tts), conversations=tracker)
        first = await pipeline.respond("turn on the lights")
        now[0] += 200
        second = await pipeline.respond("and the kitchen")
        now[0] += 301
        third = await pipeline.respond("what time is it")
    ids = [r["context"]["conversation_id"] for r in records["agent"].requests]
    assert ids[0] == ids[1] == first.conversation_id == second.conversation_id
    assert ids[2] != ids[1] and third.conversation_id == ids[2]
    assert all(r["context"].get("satellite_id") is None for r in records["agent"].requests)


async def test_service_down_names_the_stage() -> None:
    async with pipeline_services() as (stt, agent, tts, records):
        down = closed_port_uri()
        options = PipelineOptions(connect_timeout=1.0)
        with pytest.raises(PipelineError) as err:
            await VoicePipeline(PipelineEndpoints(down, agent, tts), options).run(
                chunks(bytes(3200))
            )
        assert err.value.stage == "stt"
        with pytest.raises(PipelineError) as err:
            await VoicePipeline(PipelineEndpoints(stt, down, tts), options).respond("hi")
        assert err.value.stage == "agent"
        with pytest.raises(PipelineError) as err:
            await VoicePipeline(PipelineEndpoints(stt, agent, down), options).respond("lights on")
        assert err.value.stage == "tts"
        # The TTS being down did not stop the agent: the command was still carried out.
        assert records["agent"].requests[-1]["text"] == "lights on"
