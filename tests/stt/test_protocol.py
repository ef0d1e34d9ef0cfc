"""The STT protocol as Home Assistant drives it, against a real server on loopback."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import numpy as np
from wyoming.asr import Transcript
from wyoming.audio import AudioStop
from wyoming.info import Describe, Info

from tests.support.services import shared_path
from wyoming_common.audio import AudioFormat, pcm_to_float, resample
from wyoming_common.client import WyomingConnection
from wyoming_stt.pocketsphinx.engine import PocketsphinxTranscriber
from wyoming_stt.pocketsphinx.grammar import spoken_form

from .conftest import stt_service
from .wyoming_io import read_until_transcript, send_audio, transcribe_once, wav_audio


def _command(commands: list[tuple[Path, str]], name: str) -> tuple[Path, str]:
    return next((wav, text) for wav, text in commands if wav.name == name)


async def test_home_assistant_sequence_gets_one_transcript(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    wav, text = _command(commands, "turn_on_the_lights.wav")
    pcm, fmt = wav_audio(wav)
    async with stt_service(grammar_engine) as runner:
        async with asyncio.timeout(30), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm, fmt, language="en")
            events = await read_until_transcript(conn)
    # pocketsphinx has no partial text: exactly one event, the transcript, with its language.
    assert [event.type for event in events] == ["transcript"]
    transcript = Transcript.from_event(events[0])
    assert transcript.text == spoken_form(text)
    assert transcript.language == "en"


async def test_empty_audio_gives_empty_transcript(grammar_engine: PocketsphinxTranscriber) -> None:
    async with stt_service(grammar_engine) as runner:
        assert (await transcribe_once(runner.uri, b"")).text == ""
        # transcribe then audio-stop with no audio-start at all: still one transcript.
        async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, b"", stop=False)
            await conn.write(AudioStop().event())
            events = await read_until_transcript(conn)
        transcript = Transcript.from_event(events[-1])
        assert (transcript.text, transcript.language) == ("", "en")
        # silence is no speech
        silence = bytes(16000 * 2)
        assert (await transcribe_once(runner.uri, silence)).text == ""


async def test_any_input_format_is_converted(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    """44.1 kHz, 32-bit, stereo in → the same transcript as the 16 kHz original."""
    wav, text = _command(commands, "set_kitchen_lights_to_white.wav")
    pcm, fmt = wav_audio(wav)
    mono = resample(pcm_to_float(pcm, fmt), fmt.rate, 44100)
    stereo = np.repeat(mono, 2)
    pcm32 = (np.clip(stereo, -1, 1) * 2_000_000_000).astype("<i4").tobytes()
    async with stt_service(grammar_engine) as runner:
        transcript = await transcribe_once(
            runner.uri, pcm32, AudioFormat(44100, 4, 2), chunk_bytes=44100 * 8 // 100
        )
    assert transcript.text == spoken_form(text)


async def test_concurrent_clients_get_their_own_transcripts(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    chosen = [
        _command(commands, name)
        for name in (
            "turn_on_the_tv.wav",
            "unlock_the_front_door.wav",
            "whats_the_time.wav",
            "set_lights_to_red.wav",
        )
    ]
    async with stt_service(grammar_engine) as runner:
        results = await asyncio.gather(
            *(transcribe_once(runner.uri, *wav_audio(wav)) for wav, _text in chosen)
        )
    assert [r.text for r in results] == [spoken_form(text) for _wav, text in chosen]


async def test_describe_answers_while_a_long_transcription_runs(
    lm_engine: PocketsphinxTranscriber,
) -> None:
    """The event loop is never blocked by the engine.

    jfk.wav through pocketsphinx's language model takes seconds. Meanwhile a second
    connection sends describe every 150 ms, and the transcribing connection itself sends one
    describe after audio-stop: every info must come back fast. The goal is < 100 ms; the
    assertion is < 1 s (HA's limit) because timing on a loaded 2-core CI box is noisy.
    """
    pcm, fmt = wav_audio(shared_path("audio", "misc", "jfk.wav"))
    latencies: list[float] = []
    async with stt_service(lm_engine) as runner:
        async with asyncio.timeout(240), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm, fmt)
            transcription_done = asyncio.Event()

            async def describe_repeatedly() -> None:
                async with WyomingConnection(runner.uri) as probe:
                    while not transcription_done.is_set():
                        sent = time.monotonic()
                        await probe.write(Describe().event())
                        reply = await probe.read(timeout=5)
                        assert reply is not None and Info.is_type(reply.type)
                        latencies.append(time.monotonic() - sent)
                        await asyncio.sleep(0.15)

            prober = asyncio.create_task(describe_repeatedly())
            sent = time.monotonic()
            await conn.write(Describe().event())
            first = await conn.read(timeout=5)
            same_connection = time.monotonic() - sent
            # jfk.wav through the general model: ~13 s here on a loaded 2-core box
            events = await read_until_transcript(conn, timeout=180)
            transcription_done.set()
            await prober
    assert first is not None and Info.is_type(first.type), "info must come before the transcript"
    assert Transcript.from_event(events[-1]).text
    print(
        f"describe during transcription: same connection {same_connection * 1000:.1f} ms, "
        f"other connection n={len(latencies)} median "
        f"{statistics.median(latencies) * 1000:.1f} ms max {max(latencies) * 1000:.1f} ms"
    )
    assert len(latencies) >= 3, "the transcription should outlast several describes"
    assert same_connection < 1.0
    assert max(latencies) < 1.0


async def test_audio_beyond_max_seconds_is_transcribed_at_the_cap(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    """At --max-seconds the transcript comes at once; the rest of that stream is ignored."""
    wav, text = _command(commands, "turn_on_the_lights.wav")
    pcm, fmt = wav_audio(wav)
    padded = pcm + bytes(16000 * 2 * 3)  # 3 s of trailing silence pushes it past the cap
    async with stt_service(grammar_engine, max_seconds=fmt.seconds(len(pcm)) + 0.5) as runner:
        async with asyncio.timeout(30), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, padded, fmt, stop=False)
            events = await read_until_transcript(conn)  # before audio-stop
            assert Transcript.from_event(events[-1]).text == spoken_form(text)
            await conn.write(AudioStop().event())
            # The connection still serves the next request normally.
            await send_audio(conn, pcm, fmt)
            events = await read_until_transcript(conn)
            assert Transcript.from_event(events[-1]).text == spoken_form(text)


async def test_requests_in_a_row_on_one_connection(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    chosen = [_command(commands, n) for n in ("next_track.wav", "pause_the_tv.wav")]
    async with stt_service(grammar_engine) as runner:
        async with asyncio.timeout(30), WyomingConnection(runner.uri) as conn:
            # Pipelined: the second request is sent before the first transcript is read.
            for wav, _text in chosen:
                await send_audio(conn, *wav_audio(wav))
            texts = [
                Transcript.from_event((await read_until_transcript(conn))[-1]).text for _ in chosen
            ]
    assert texts == [spoken_form(text) for _wav, text in chosen]


async def test_audio_without_transcribe_is_accepted(
    grammar_engine: PocketsphinxTranscriber, commands: list[tuple[Path, str]]
) -> None:
    wav, text = _command(commands, "resume_tv.wav")
    pcm, fmt = wav_audio(wav)
    async with stt_service(grammar_engine) as runner:
        transcript = await transcribe_once(runner.uri, pcm, fmt, transcribe=False)
    assert transcript.text == spoken_form(text)
    assert transcript.language == "en"
