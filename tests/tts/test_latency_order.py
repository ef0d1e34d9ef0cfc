"""Audio starts before the text is fully synthesized (or even fully received), proven by the
order of events: the real engine is held back on the last sentence until the client has seen
audio, so a server that waited for everything would never answer (and the test would fail)."""

from __future__ import annotations

import asyncio

from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from wyoming_common.client import WyomingConnection
from wyoming_tts.piper.engine import PiperEngine

from .support import STEP, RecordingEngine, audio_blocks, tts_service

LONG = [f"This is sentence number {n} of a long answer." for n in range(1, 21)]


async def test_long_text_first_audio_before_last_sentence(piper_engine: PiperEngine) -> None:
    engine = RecordingEngine(piper_engine, hold=LONG[-1])
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(Synthesize(text=" ".join(LONG)).event())
            first = await conn.read_until(lambda event: event.type == "audio-chunk")
            synthesized_at_first_audio = engine.texts
            engine.release.set()
            rest = await conn.read_until(lambda event: event.type == "audio-stop")

    assert engine.released_in_time is True
    assert LONG[-1] not in synthesized_at_first_audio
    assert engine.texts == LONG
    (block,) = audio_blocks(first + rest)
    assert block.audio


async def test_long_stream_blocks_flow_before_last_sentence(piper_engine: PiperEngine) -> None:
    engine = RecordingEngine(piper_engine, hold=LONG[-1])
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(SynthesizeStart().event())
            await conn.write(SynthesizeChunk(text=" ".join(LONG)).event())
            await conn.write(Synthesize(text=" ".join(LONG)).event())
            await conn.write(SynthesizeStop().event())
            first = await conn.read_until(lambda event: event.type == "audio-stop")
            engine.release.set()
            rest = await conn.read_until(lambda event: event.type == "synthesize-stopped")

    assert engine.released_in_time is True
    blocks = audio_blocks(first + rest)
    assert len(blocks) == len(LONG)
    assert len({block.fmt for block in blocks}) == 1


async def test_first_sentence_spoken_while_text_still_arrives(piper_engine: PiperEngine) -> None:
    engine = RecordingEngine(piper_engine)
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(SynthesizeStart().event())
            for delta in ("Turn", " on the kit", "chen light", ". The", " rest follows"):
                await conn.write(SynthesizeChunk(text=delta).event())
            # Nothing more is sent until the first sentence's whole block has arrived.
            first_block = await conn.read_until(lambda event: event.type == "audio-stop")
            assert engine.texts == ["Turn on the kitchen light."]
            await conn.write(SynthesizeChunk(text=" later.").event())
            await conn.write(SynthesizeStop().event())
            rest = await conn.read_until(lambda event: event.type == "synthesize-stopped")

    assert engine.texts == ["Turn on the kitchen light.", "The rest follows later."]
    assert len(audio_blocks(first_block)) == 1 and len(audio_blocks(rest)) == 1


async def test_client_leaving_mid_request_stops_the_engine(piper_engine: PiperEngine) -> None:
    engine = RecordingEngine(piper_engine, hold=LONG[0])
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(Synthesize(text=" ".join(LONG)).event())
            async with asyncio.timeout(STEP):
                while not engine.tokens:  # the engine is at work (held) on the first sentence
                    await asyncio.sleep(0.01)
        # The client is gone: the engine call is told to stop ...
        async with asyncio.timeout(STEP):
            while not engine.tokens[0].cancelled:
                await asyncio.sleep(0.01)
        engine.release.set()
        async with asyncio.timeout(STEP):
            while service.synthesizer.worker.calls < 2:  # load + this call
                await asyncio.sleep(0.01)
    # ... so it synthesized nothing, and no later sentence was started.
    assert engine.texts == []
    assert len(engine.tokens) == 1
