"""Whisper base (the real, trained weights) through the real STT server.

A third of ../shared/audio/commands (24 clips), sent by 8 clients at a time so the batching
path is what is measured, with the house's names as Home Assistant would give them. Bound:
word error rate ≤ 8 %. On this set our decoding measured 3.9 % WER without names (faster-
whisper's own 30 s window, greedy: 3.4 %; beam 5: 1.9 %) and lower with the names; 8 % leaves
room for other CPUs' int8 kernels while still failing if batching, the short encoder window or
the prompt broke recognition (a broken path gives 30 % and more).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.real_models import model_path
from tests.support.services import shared_path
from wyoming_common.worker import ModelWorker
from wyoming_stt.batching import BatchQueue
from wyoming_stt.engines import Vocabulary
from wyoming_stt.whisper.engine import FasterWhisperTranscriber, WhisperOptions
from wyoming_voice.bench.stt import HOUSE_VOCABULARY
from wyoming_voice.bench.stt_scoring import word_errors

from .conftest import stt_service
from .wyoming_io import transcribe_once, wav_audio

pytestmark = pytest.mark.real_models

CLIENTS = 8
DATA = Path(__file__).parent / "data"
MAX_WER = 0.08
# The prompt the looping clip was found with: the bench's names at the time, in their order.
LOOPED_WITH = (
    "Kitchen Lights", "Kitchen", "Standing Light", "Bed Light", "Office Fan", "EcoBee",
    "Outdoor Humidity", "Office Temperature", "Kitchen Temperature", "Front Door", "Garage Door",
    "Office Blinds", "Sliding Door", "TV", "Party Time", "Movie Night", "Living Room", "Office",
    "Bedroom", "New York", "Office RGBW Lights", "HVAC", "EcoBee", "Mood Lighting",
    "Standing Light", "Kitchen Lights", "Bed Light", "Ceiling Lights", "Front Door",
    "Garage Door", "Sliding Door", "Office Fan", "Living Room Lamp", "TV", "Party Time",
    "Movie Night", "Outdoor Humidity", "Shopping List", "Kitchen", "Office", "Living Room",
    "Bedroom", "Garage",
)  # fmt: skip


@pytest.fixture(scope="module")
def whisper_base() -> Iterator[FasterWhisperTranscriber]:
    engine = FasterWhisperTranscriber(
        WhisperOptions(
            model=str(model_path("whisper_base")),
            device="cpu",
            compute_type="int8",
            language="en",
        )
    )
    engine.set_vocabulary(HOUSE_VOCABULARY)
    engine.load()
    yield engine
    engine.close()


async def test_whisper_base_commands_through_the_server_in_batches(
    whisper_base: FasterWhisperTranscriber, commands: list[tuple[Path, str]]
) -> None:
    chosen = commands[::3]
    queue = BatchQueue(whisper_base, ModelWorker("real-whisper"))
    texts: list[str] = []
    async with stt_service(whisper_base, queue) as runner:
        for start in range(0, len(chosen), CLIENTS):
            group = chosen[start : start + CLIENTS]
            async with asyncio.timeout(300):
                transcripts = await asyncio.gather(
                    *(transcribe_once(runner.uri, *wav_audio(wav)) for wav, _ in group)
                )
            texts.extend(t.text for t in transcripts)
    edits = words = 0
    wrong = []
    for (_wav, reference), text in zip(chosen, texts, strict=True):
        errors, count = word_errors(reference, text)  # digits, %, as spoken
        edits, words = edits + errors, words + count
        if errors:
            wrong.append(f"{reference!r} -> {text!r}")
    wer = edits / words
    print(f"Whisper base, {len(chosen)} commands, {CLIENTS} at a time: WER {wer:.1%}", wrong)
    assert wer <= MAX_WER, wrong
    assert queue.largest_batch > 1


def test_a_request_beside_longer_ones_comes_out_as_it_does_alone(
    whisper_base: FasterWhisperTranscriber, commands: list[tuple[Path, str]]
) -> None:
    """A crowd must not change a transcript: each window is encoded on its own length, not
    padded to the batch's longest (which changed 1 of 64 transcripts in `bench stt`'s crowd)."""
    import numpy as np

    from wyoming_common.audio import to_float_mono
    from wyoming_common.worker import CancelToken
    from wyoming_stt.engines import TranscriptionRequest

    audios = [to_float_mono(*wav_audio(wav)) for wav, _text in commands[1::6]]
    longer = [np.concatenate(audios[i : i + 3]) for i in (0, 3)]  # three commands in a row

    def texts(batch: list[np.ndarray]) -> list[str]:
        requests = [TranscriptionRequest(audio, language="en") for audio in batch]
        results = whisper_base.transcribe_batch(requests, CancelToken())
        return [" ".join(segment.text for segment in result) for result in results]

    alone = [texts([audio])[0] for audio in audios]
    assert texts([*longer, *audios])[len(longer) :] == alone


async def test_silence_and_noise_give_an_empty_transcript(
    whisper_base: FasterWhisperTranscriber,
) -> None:
    import numpy as np

    noise = (np.random.default_rng(3).normal(0, 300, 16000 * 2)).astype("<i2").tobytes()
    async with stt_service(whisper_base) as runner:
        silent = await transcribe_once(runner.uri, bytes(32000 * 2))
        noisy = await transcribe_once(runner.uri, noise)
    assert silent.text == "" and noisy.text == ""


async def test_a_decode_that_loops_is_decoded_again_without_the_prompt(
    whisper_base: FasterWhisperTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    """A held-out clip (Piper joe, noise, reverb; `bench stt`'s set) on which Whisper base,
    prompted with the held-out house's names, loops on this development VM: "Hello, how are
    you? Hello, how are you? Hello, how are you? Hello, how". Decoded again without the prompt
    it is right; a CPU whose int8 kernels do not loop here gets it right the first time."""
    caplog.set_level(logging.DEBUG, logger="wyoming_stt.whisper")
    whisper_base.set_vocabulary(Vocabulary(names=LOOPED_WITH))
    try:
        async with stt_service(whisper_base) as runner:
            transcript = await transcribe_once(runner.uri, *wav_audio(DATA / "looping.wav"))
    finally:
        whisper_base.set_vocabulary(HOUSE_VOCABULARY)
    print(transcript.text, [r.getMessage() for r in caplog.records if "again" in r.getMessage()])
    assert word_errors("hello how are you", transcript.text) == (0, 4)


async def test_a_command_nearly_written_is_taken_when_the_best_text_is_none(
    whisper_base: FasterWhisperTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    """A held-out clip (Piper joe, noise, reverb; `bench stt`'s set) whose best hypothesis on
    this development VM is "Is the Front Door Lock?", no command; the beam's second, scored
    0.05 lower, is "Is the Front Door Locked?" (whisper/alternatives.py). A CPU whose int8
    kernels rank them the other way round gets it right the first time."""
    caplog.set_level(logging.DEBUG, logger="wyoming_stt.whisper")
    async with stt_service(whisper_base) as runner:
        transcript = await transcribe_once(runner.uri, *wav_audio(DATA / "front_door_lock.wav"))
    print(transcript.text, [r.getMessage() for r in caplog.records if "taken as" in r.getMessage()])
    assert word_errors("is the front door locked", transcript.text) == (0, 5)


def big_house() -> Vocabulary:
    """About 80 names, as many as Home Assistant's demo exposes: `bench stt --big-house`'s."""
    from wyoming_stt.names_file import parse_names
    from wyoming_voice.bench.stt import names_lines

    return parse_names(names_lines("heldout", big=True))


def test_a_big_house_fills_the_prompt_to_whispers_limit_uncommon_names_first(
    whisper_base: FasterWhisperTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    """About 75 names, as many as Home Assistant's demo exposes: more than Whisper's prompt
    holds (223 tokens of Whisper's own tokenizer). The names with uncommon words, listed last
    here, still go in; the log says which names were left out."""
    from wyoming_stt.whisper.decoding import MAX_PROMPT_TOKENS
    from wyoming_stt.whisper.prompt import prompt_names, whisper_prompt

    big = big_house()
    caplog.set_level(logging.INFO, logger="wyoming_stt.whisper")
    whisper_base.set_vocabulary(big)
    try:
        assert whisper_base._batch is not None
        tokens = whisper_base._batch.count_tokens  # Whisper base's own tokenizer
        names = whisper_base.names
        held = prompt_names(names, tokens)
        said = [r.getMessage() for r in caplog.records if "fit Whisper's prompt" in r.getMessage()]
    finally:
        whisper_base.set_vocabulary(HOUSE_VOCABULARY)
    assert tokens(" " + whisper_prompt(held)) <= MAX_PROMPT_TOKENS
    assert 30 < len(held) < len(names)
    assert {"EcoBee", "HVAC", "Office RGBW Lights", "Hygrostat"} <= set(held)
    assert len(said) == 1 and f"{len(held)} of {len(names)} names" in said[0]


async def test_a_short_command_under_a_long_prompt_is_still_heard(
    whisper_base: FasterWhisperTranscriber, caplog: pytest.LogCaptureFixture
) -> None:
    """With the big house's full prompt, Whisper base on this development VM judged "pause the
    TV" no speech (no-speech probability 0.63, average log-probability just under -1): speech
    the VAD found and the prompted decoder heard nothing in is decoded again without the
    prompt. A CPU whose int8 kernels score it otherwise hears it the first time."""
    caplog.set_level(logging.DEBUG, logger="wyoming_stt.whisper")
    whisper_base.set_vocabulary(big_house())
    try:
        async with stt_service(whisper_base) as runner:
            wav = shared_path("audio", "commands", "pause_the_tv.wav")
            transcript = await transcribe_once(runner.uri, *wav_audio(wav))
    finally:
        whisper_base.set_vocabulary(HOUSE_VOCABULARY)
    print(transcript.text, [r.getMessage() for r in caplog.records if "again" in r.getMessage()])
    assert word_errors("pause the TV", transcript.text) == (0, 3)
