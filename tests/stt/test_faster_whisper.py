"""The faster-whisper engine on the tiny CTranslate2 Whisper model (real loading and decoding).

The tiny model "hears" `turn on the kitchen light` in every 30 s window that reaches the
decoder (tests/support/tiny_whisper.py), so text proves the audio was decoded and an empty
transcript proves the VAD kept non-speech away from the decoder.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
from wyoming.asr import Transcript, TranscriptChunk, TranscriptStart, TranscriptStop

from tests.support.services import shared_path
from wyoming_common.audio import STT_FORMAT, to_float_mono
from wyoming_common.client import WyomingConnection
from wyoming_common.worker import CancelToken
from wyoming_stt.engines import TranscriptionRequest
from wyoming_stt.whisper.engine import FasterWhisperTranscriber, WhisperOptions

from .conftest import stt_service
from .wyoming_io import read_until_transcript, send_audio, transcribe_once, wav_audio

SPOKEN = "turn on the kitchen light"


def test_loads_on_cpu_int8_by_default(tiny_whisper_dir: Path) -> None:
    """--device auto / --compute-type auto on a machine without CUDA → cpu, int8."""
    import ctranslate2

    engine = FasterWhisperTranscriber(WhisperOptions(model=str(tiny_whisper_dir)))
    try:
        card = engine.load()
    finally:
        engine.close()
    if ctranslate2.get_cuda_device_count() == 0:
        assert (engine.device, engine.compute_type) == ("cpu", "int8")
    else:
        assert (engine.device, engine.compute_type) == ("cuda", "float16")
    assert card.name == tiny_whisper_dir.name
    assert "en" in card.languages


async def test_transcript_through_the_server_with_chunks(
    whisper_engine: FasterWhisperTranscriber,
) -> None:
    pcm, fmt = wav_audio(shared_path("audio", "misc", "living_room_light_en.wav"))
    async with stt_service(whisper_engine) as runner:
        async with asyncio.timeout(30), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm, fmt, language="en")
            events = await read_until_transcript(conn)
    types = [event.type for event in events]
    assert types[0] == "transcript-start" and types[-2:] == ["transcript-stop", "transcript"]
    assert TranscriptStart.from_event(events[0]).language == "en"
    chunks = [TranscriptChunk.from_event(e).text for e in events if TranscriptChunk.is_type(e.type)]
    transcript = Transcript.from_event(events[-1])
    assert isinstance(transcript.text, str)
    assert transcript.text == SPOKEN == "".join(chunks).strip()
    assert transcript.language == "en"
    assert TranscriptStop.is_type(events[-2].type)


async def test_no_chunks_without_transcribe(whisper_engine: FasterWhisperTranscriber) -> None:
    pcm, fmt = wav_audio(shared_path("audio", "misc", "this_is_a_test.wav"))
    async with stt_service(whisper_engine) as runner:
        async with asyncio.timeout(30), WyomingConnection(runner.uri) as conn:
            await send_audio(conn, pcm, fmt, transcribe=False)
            events = await read_until_transcript(conn)
    assert [event.type for event in events] == ["transcript"]
    assert Transcript.from_event(events[0]).text == SPOKEN


async def test_silence_and_noise_give_no_text(whisper_engine: FasterWhisperTranscriber) -> None:
    noise, noise_fmt = wav_audio(shared_path("audio", "misc", "background_noise.wav"))
    async with stt_service(whisper_engine) as runner:
        silent = await transcribe_once(runner.uri, bytes(3 * 16000 * 2), STT_FORMAT)
        noisy = await transcribe_once(runner.uri, noise, noise_fmt)
        empty = await transcribe_once(runner.uri, b"", STT_FORMAT)
    assert (silent.text, noisy.text, empty.text) == ("", "", "")
    assert silent.language == noisy.language == "en"


async def test_language_is_detected_or_taken_from_the_request(
    whisper_engine: FasterWhisperTranscriber,
) -> None:
    pcm, fmt = wav_audio(shared_path("audio", "misc", "living_room_light_de.wav"))
    async with stt_service(whisper_engine) as runner:
        asked = await transcribe_once(runner.uri, pcm, fmt, language="de")
        detected = await transcribe_once(runner.uri, pcm, fmt, language=None)
        regional = await transcribe_once(runner.uri, pcm, fmt, language="de-DE")
    assert asked.language == "de" and regional.language == "de"
    assert detected.language == "en"  # the tiny model always detects English


def test_names_and_terms_reach_the_decoder(
    whisper_engine: FasterWhisperTranscriber, tiny_whisper_dir: Path, tmp_path: Path
) -> None:
    """Prompt and hotwords are accepted by the real decoder (the tiny model ignores them)."""
    names_file = tmp_path / "names.txt"
    names_file.write_text("Kitchen Light\n# a comment\nSliding Door\n", encoding="utf-8")
    engine = FasterWhisperTranscriber(
        WhisperOptions(
            model=str(tiny_whisper_dir), device="cpu", compute_type="int8", names_file=names_file
        )
    )
    pcm, fmt = wav_audio(shared_path("audio", "misc", "this_is_a_test.wav"))
    request = TranscriptionRequest(
        audio=to_float_mono(pcm, fmt), language="en", names=("Ecobee",), terms=("thermostat",)
    )
    try:
        engine.load()
        segments = engine.transcribe_batch([request], CancelToken())[0]
    finally:
        engine.close()
    assert " ".join(s.text.strip() for s in segments) == SPOKEN


def test_long_audio_is_cut_into_windows_and_a_cancelled_token_stops(
    whisper_engine: FasterWhisperTranscriber,
) -> None:
    """66 s of speech: three windows, each decoded; a cancelled token decodes nothing."""
    pcm, fmt = wav_audio(shared_path("audio", "misc", "jfk.wav"))
    audio = np.tile(to_float_mono(pcm, fmt), 6)
    request = TranscriptionRequest(audio=audio)
    segments = whisper_engine.transcribe_batch([request], CancelToken())[0]
    texts = [s.text.strip() for s in segments]
    assert len(texts) >= 3 and set(texts) == {SPOKEN}  # 30 s at most per window
    token = CancelToken()
    token.cancel()
    assert [s.text for s in whisper_engine.transcribe_batch([request], token)[0]] == [""]


def test_the_beam_ends_with_its_hypotheses_best_first(tiny_whisper_dir: Path) -> None:
    """Up to beam-size texts per window, best score first (alternatives.py chooses among
    them); greedy decoding has one."""
    from faster_whisper import WhisperModel

    from wyoming_stt.whisper.batch import WhisperBatch, Window

    model = WhisperModel(str(tiny_whisper_dir), device="cpu", compute_type="int8")
    audio = to_float_mono(*wav_audio(shared_path("audio", "misc", "living_room_light_en.wav")))
    for beam in (1, 4):
        batch = WhisperBatch(model, beam_size=beam)
        [(hypotheses, language)] = batch.decode([Window(0, audio, "en", ())], CancelToken())
        scores = [hypothesis.score for hypothesis in hypotheses]
        assert 1 <= len(hypotheses) <= beam and scores == sorted(scores, reverse=True)
        assert (hypotheses[0].text, language) == (SPOKEN, "en")
    assert len(hypotheses) > 1
