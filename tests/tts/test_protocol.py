"""The TTS service on a real socket, replaying Home Assistant's requests (HA_CONTRACT.md §5),
with tiny Piper-format voices loaded through piper-tts."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from piper import PiperVoice, SynthesisConfig
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from tests.support.services import parse_info_with_wyoming_172
from tests.support.tiny_piper import HOP_LENGTH
from wyoming_common.client import WyomingConnection, describe
from wyoming_common.speech_text import clean_for_speech
from wyoming_tts.engines import SpeechSettings
from wyoming_tts.piper.engine import PiperEngine
from wyoming_tts.piper.voices import find_piper_voices
from wyoming_tts.sentences import split_sentences

from .conftest import DUO, GERMAN, TINY
from .support import (
    STEP,
    RecordingEngine,
    all_audio,
    audio_blocks,
    fragments_of,
    same_speech,
    speak_once,
    speak_streaming,
    tts_service,
)

REPLY = "OK, I turned on the kitchen light. It's 21.5°C in there. Anything else?"
SENTENCES = 3


def piper_reference(voice_dir: Path, name: str, text: str, speaker_id: int | None = None) -> bytes:
    """What piper itself says for the cleaned sentences of text (independent of our code)."""
    voice = PiperVoice.load(voice_dir / f"{name}.onnx")
    config = SynthesisConfig(speaker_id=speaker_id)
    return b"".join(
        chunk.audio_int16_bytes
        for sentence in split_sentences(text)
        for chunk in voice.synthesize(clean_for_speech(sentence), config)
    )


async def test_info_lists_voices_and_parses_with_wyoming_172(
    piper_engine: PiperEngine, tmp_path: Path
) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            info = await describe(service.uri)
    program = info.tts[0]
    assert program.name == "wyoming-voice-tts"
    assert program.installed and program.supports_synthesize_streaming
    voices = {voice.name: voice for voice in program.voices}
    assert program.voices[0].name == TINY  # default first
    assert set(voices) == {TINY, DUO, GERMAN}
    assert voices[TINY].languages == ["en_US"] and voices[TINY].speakers is None
    assert voices[GERMAN].languages == ["de_DE"]
    duo_speakers = voices[DUO].speakers or []
    assert [speaker.name for speaker in duo_speakers] == ["alice", "bob"]
    assert all(voice.installed and voice.attribution.name for voice in program.voices)
    parsed = parse_info_with_wyoming_172(info.to_dict(), tmp_path)
    assert "wyoming-voice-tts" in parsed and "alice" in parsed


async def test_no_streaming_is_advertised(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine, streaming=False) as service:
        async with asyncio.timeout(STEP):
            info = await describe(service.uri)
    assert info.tts[0].supports_synthesize_streaming is False


async def test_non_streaming_one_block_of_every_sentence(
    piper_engine: PiperEngine, voice_dir: Path
) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            events = await speak_once(service.uri, REPLY)

    types = [event.type for event in events]
    assert types[0] == "audio-start" and types[-1] == "audio-stop"
    assert types.count("audio-start") == 1 and types.count("audio-stop") == 1
    (block,) = audio_blocks(events)
    assert (block.fmt.rate, block.fmt.width, block.fmt.channels) == (22050, 2, 1)
    assert all(len(chunk.audio) <= 2048 for chunk in block.chunks)  # 1024 samples
    assert same_speech(block.audio, piper_reference(voice_dir, TINY, REPLY))
    timestamps = [chunk.timestamp for chunk in block.chunks if chunk.timestamp is not None]
    assert len(timestamps) == len(block.chunks)
    assert timestamps == sorted(timestamps) and timestamps[0] == 0


async def test_streaming_ha_sequence_one_block_per_sentence(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            # HA's built-in agents send the whole reply in one chunk.
            streamed = await speak_streaming(service.uri, [REPLY])
            single = await speak_once(service.uri, REPLY)

    assert streamed[-1].type == "synthesize-stopped"
    blocks = audio_blocks(streamed)
    assert len(blocks) == SENTENCES
    assert {block.fmt for block in blocks} == {audio_blocks(single)[0].fmt}
    assert all(block.audio for block in blocks)
    # The compatibility `synthesize` was ignored: the text is spoken once, exactly as single.
    assert all_audio(streamed) == all_audio(single)


async def test_streaming_fragments_split_mid_word(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            whole = await speak_streaming(service.uri, [REPLY])
            for size in (1, 3, 7):
                pieces = await speak_streaming(service.uri, fragments_of(REPLY, size))
                assert [b.audio for b in audio_blocks(pieces)] == [
                    b.audio for b in audio_blocks(whole)
                ], size


async def test_two_concurrent_streams_get_their_own_audio(piper_engine: PiperEngine) -> None:
    text_a = "Turn on the kitchen light. Then the hallway. Done."
    text_b = "The garage door is closed. The alarm is armed."
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            alone_a = await speak_streaming(service.uri, [text_a], voice=DUO, speaker="alice")
            alone_b = await speak_streaming(service.uri, [text_b], voice=DUO, speaker="bob")
            together = await asyncio.gather(
                speak_streaming(service.uri, fragments_of(text_a, 4), voice=DUO, speaker="alice"),
                speak_streaming(service.uri, fragments_of(text_b, 5), voice=DUO, speaker="bob"),
                speak_once(service.uri, text_a, voice=DUO, speaker="alice"),
            )
    assert [b.audio for b in audio_blocks(together[0])] == [b.audio for b in audio_blocks(alone_a)]
    assert [b.audio for b in audio_blocks(together[1])] == [b.audio for b in audio_blocks(alone_b)]
    assert all_audio(together[2]) == all_audio(alone_a)


async def test_unknown_voice_falls_back_to_default(
    piper_engine: PiperEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            default = await speak_once(service.uri, REPLY)
            with caplog.at_level(logging.WARNING):
                unknown = await speak_once(service.uri, REPLY, voice="en_GB-nobody-high")
                unknown_streamed = await speak_streaming(
                    service.uri, [REPLY], voice="en_GB-nobody-high"
                )
    assert all_audio(unknown) == all_audio(default) != b""
    assert all_audio(unknown_streamed) == all_audio(default)
    assert "unknown voice 'en_GB-nobody-high'" in caplog.text


async def test_voice_by_language_only(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            english = await speak_once(service.uri, "Hello there.", language="en")
            german = await speak_once(service.uri, "Guten Tag.", language="de")
            german_streamed = await speak_streaming(service.uri, ["Guten Tag."], language="de-DE")
            default = await speak_once(service.uri, "Hello there.")
    assert all_audio(english) == all_audio(default)  # "en" matches en_US: the default voice
    assert audio_blocks(german)[0].fmt.rate == 16000  # only the German voice is 16 kHz
    assert {block.fmt.rate for block in audio_blocks(german_streamed)} == {16000}


async def test_multi_speaker_selection(piper_engine: PiperEngine, voice_dir: Path) -> None:
    text = "Turn on the kitchen light."
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            alice = all_audio(await speak_once(service.uri, text, voice=DUO, speaker="alice"))
            bob = all_audio(await speak_once(service.uri, text, voice=DUO, speaker="bob"))
            by_id = all_audio(await speak_once(service.uri, text, voice=DUO, speaker="1"))
            nobody = all_audio(await speak_once(service.uri, text, voice=DUO, speaker="zed"))
    assert len(alice) == len(bob) and alice != bob
    assert bob == by_id and same_speech(bob, piper_reference(voice_dir, DUO, text, speaker_id=1))
    assert not same_speech(alice, bob)
    assert nobody == alice  # unknown speaker: the voice's first


@pytest.mark.parametrize("text", ["", "   ", "🙂👍", "**  **"])
async def test_empty_text_still_ends_properly(piper_engine: PiperEngine, text: str) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            single = await speak_once(service.uri, text)
            streamed = await speak_streaming(service.uri, [text] if text else [])
    # HA non-streaming reads until audio-stop: start + stop, no chunks.
    assert [event.type for event in single] == ["audio-start", "audio-stop"]
    # HA streaming reads until synthesize-stopped; one empty block gives it the format.
    assert [event.type for event in streamed] == ["audio-start", "audio-stop", "synthesize-stopped"]


async def test_markdown_and_emoji_are_not_spoken(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with asyncio.timeout(STEP):
            fancy = await speak_streaming(
                service.uri, fragments_of("## Done!\n- **Kitchen** light is *on* 💡\n", 5)
            )
            plain = await speak_streaming(service.uri, ["Done! Kitchen light is on"])
    assert all_audio(fancy) == all_audio(plain)


async def test_streaming_off_answers_synthesize_and_stop(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine, streaming=False) as service:
        async with asyncio.timeout(STEP):
            events = await speak_streaming(service.uri, fragments_of(REPLY, 6))
            single = await speak_once(service.uri, REPLY)
    types = [event.type for event in events]
    assert types[0] == "audio-start" and types[-2:] == ["audio-stop", "synthesize-stopped"]
    assert types.count("audio-start") == 1  # one block: the compatibility synthesize
    assert all_audio(events) == all_audio(single)


async def test_stop_without_start_and_chunk_without_start(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(SynthesizeChunk(text="stray").event())
            await conn.write(SynthesizeStop().event())
            events = await conn.read_until(lambda event: event.type == "synthesize-stopped")
            assert [event.type for event in events] == ["synthesize-stopped"]


# The first stream's task is cancelled before it ever ran (the error closes the connection at
# once); start_task must close that coroutine without a "never awaited" warning.
async def test_second_start_while_streaming_is_an_error(piper_engine: PiperEngine) -> None:
    async with tts_service(piper_engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(SynthesizeStart().event())
            await conn.write(SynthesizeStart().event())
            events = await conn.read_until(lambda event: event.type == "error")
            assert events[-1].data["code"] == "bad-request"
            assert await conn.read() is None  # and the connection is closed


async def test_broken_voice_file_ends_with_error_and_close(tmp_path: Path, voice_dir: Path) -> None:
    for path in voice_dir.glob(f"{TINY}.onnx*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "en_US-broken-low.onnx").write_bytes(b"not an onnx model")
    (tmp_path / "en_US-broken-low.onnx.json").write_bytes(
        (tmp_path / f"{TINY}.onnx.json").read_bytes()
    )
    engine = PiperEngine(
        find_piper_voices([tmp_path]), default_voice=TINY, speech=SpeechSettings(), device="cpu"
    )
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(
                Synthesize(text="Hi.", voice=SynthesizeVoice(name="en_US-broken-low")).event()
            )
            events = await conn.read_until(lambda event: event.type == "audio-stop")
            assert events[-1].type == "error" and events[-1].data["code"] == "engine-error"
            assert await conn.read() is None
        async with asyncio.timeout(STEP):  # the service itself keeps working
            assert all_audio(await speak_once(service.uri, "Hi.")) != b""


async def test_length_scale_and_sentence_silence(voice_dir: Path) -> None:
    voices = find_piper_voices([voice_dir])
    plain = PiperEngine(voices, default_voice=TINY, speech=SpeechSettings(), device="cpu")
    slow = PiperEngine(
        voices,
        default_voice=TINY,
        speech=SpeechSettings(length_scale=2.0, sentence_silence=0.5),
        device="cpu",
    )
    async with tts_service(plain) as a, tts_service(slow) as b:
        async with asyncio.timeout(STEP):
            normal = audio_blocks(await speak_once(a.uri, "Hello there."))[0]
            slowed = audio_blocks(await speak_once(b.uri, "Hello there."))[0]
    silence = 2 * int(22050 * 0.5)
    assert len(slowed.audio) - silence == 2 * len(normal.audio)
    assert slowed.audio[-silence:] == bytes(silence)
    assert len(normal.audio) % (2 * HOP_LENGTH) == 0


async def test_describe_answers_while_a_request_is_synthesizing(
    piper_engine: PiperEngine,
) -> None:
    engine = RecordingEngine(piper_engine, hold="Second sentence.")
    async with tts_service(engine) as service:
        async with WyomingConnection(service.uri, read_timeout=STEP) as conn:
            await conn.write(Synthesize(text="First sentence. Second sentence.").event())
            await conn.read_until(lambda event: event.type == "audio-chunk")
            # The engine is now held inside the worker: describe is still answered, on a new
            # connection and on this one (before the request's audio-stop).
            async with asyncio.timeout(STEP):
                assert (await describe(service.uri)).tts
            await conn.write(Describe().event())
            events = await conn.read_until(lambda event: Info.is_type(event.type))
            assert "audio-stop" not in [event.type for event in events]
            engine.release.set()
            events = await conn.read_until(lambda event: event.type == "audio-stop")
    assert engine.released_in_time is True
    assert engine.texts == ["First sentence.", "Second sentence."]
