"""The shifted copies decoded in a second process: the same verdicts as one after another, and
the decoder takes over when the copy process is gone."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import command_transcripts
from wyoming_common.cpus import usable_cpus
from wyoming_common.worker import CancelToken
from wyoming_stt.pocketsphinx import decoder_processes
from wyoming_stt.pocketsphinx.copies import CopyProcess
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.pocketsphinx.messages import CopyReply, DecodeJob, DecodeReply
from wyoming_stt.pocketsphinx.process import SphinxDecoder

from .conftest import list_file
from .wyoming_io import wav_audio

NAMES = ("Kitchen Lights", "Bed Light", "Front Door", "Office Fan", "Living Room", "Kitchen")
CLIPS = 8


@pytest.fixture(scope="module")
def names_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return list_file(tmp_path_factory.mktemp("copies") / "names.txt", NAMES)


@pytest.fixture(scope="module")
def two_process_engine(names_file: Path) -> Iterator[PocketsphinxTranscriber]:
    if len(usable_cpus()) < 2:
        pytest.skip("one CPU: the engine decodes the copies itself")
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=names_file))
    engine.load()
    yield engine
    engine.close()


def _reply(engine: PocketsphinxTranscriber, pcm: bytes) -> DecodeReply:
    reply = engine._call(DecodeJob(pcm), CancelToken())
    assert reply is not None
    return reply


def test_the_verdicts_are_those_of_decoding_one_copy_after_another(
    two_process_engine: PocketsphinxTranscriber,
) -> None:
    assert two_process_engine._ready is not None and two_process_engine._ready.copy_process
    alone = SphinxDecoder(two_process_engine._setup)  # this process, copies one by one
    clips = command_transcripts()[:: len(command_transcripts()) // CLIPS][:CLIPS]
    copies = 0
    for wav, _text in clips:
        pcm, _fmt = wav_audio(wav)
        reply = _reply(two_process_engine, pcm)
        text, confidence = alone.decode(DecodeJob(pcm))
        assert (reply.text, reply.confidence) == (text, confidence), wav.name
        copies += reply.confidence.copies if reply.confidence is not None else 0
    assert copies >= 3 * CLIPS // 2  # most clips needed three or four copies


def test_without_the_copy_process_the_decoder_decodes_the_copies(
    two_process_engine: PocketsphinxTranscriber,
) -> None:
    wav, _text = command_transcripts()[0]
    pcm, _fmt = wav_audio(wav)
    before = _reply(two_process_engine, pcm)
    assert before.confidence is not None and before.confidence.copies > 0
    assert two_process_engine._processes is not None
    copy_process = two_process_engine._processes.copy_process
    assert copy_process is not None and copy_process.is_alive()
    copy_process.kill()
    copy_process.join(5)
    after = _reply(two_process_engine, pcm)
    assert (after.text, after.confidence) == (before.text, before.confidence)


def test_one_cpu_starts_no_copy_process(names_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decoder_processes, "usable_cpus", lambda: {0})
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=names_file))
    try:
        engine.load()
        assert engine._ready is not None and not engine._ready.copy_process
        assert engine._processes is not None and engine._processes.copy_process is None
    finally:
        engine.close()


def test_copies_of_earlier_utterances_are_skipped_and_a_failure_gives_up() -> None:
    ours, theirs = multiprocessing.Pipe()
    copies = CopyProcess(ours)
    assert copies.begin(b"\0\0", ()) == 1
    assert copies.begin(b"\0\0", ()) == 2
    theirs.recv(), theirs.recv()
    theirs.send(CopyReply(1, 1.03, "turn on the light"))  # the first utterance's, not needed
    theirs.send(CopyReply(2, 1.03, "turn off the light"))
    assert copies.phrase(2, 1.03) == "turn off the light"
    theirs.send(CopyReply(2, 1.06, "", error="pocketsphinx failed"))
    assert copies.phrase(2, 1.06) is None
    assert not copies.alive and copies.begin(b"\0\0", ()) is None


def test_replies_no_verdict_needed_are_read_before_the_next_utterance() -> None:
    """Utterances the phone-loop check rejects never ask for their copies: their replies must
    not pile up in the pipe (a full pipe would leave both processes waiting on each other)."""
    ours, theirs = multiprocessing.Pipe()
    copies = CopyProcess(ours)
    for number in range(1, 201):
        assert copies.begin(b"\0\0" * 8000, ()) == number
        assert not ours.poll()  # the previous utterance's replies were read
        assert theirs.recv().number == number
        for factor in (1.03, 1.06, 1.1):
            theirs.send(CopyReply(number, factor, "turn on the kitchen lights"))
    assert copies.begin(b"\0\0", ()) == 201
    assert not ours.poll()
    theirs.recv()
    theirs.send(CopyReply(201, 1.03, "turn off the kitchen lights"))
    assert copies.phrase(201, 1.03) == "turn off the kitchen lights"


def test_a_grammar_that_falls_back_to_the_language_model_keeps_no_copy_process(
    tmp_path: Path,
) -> None:
    """A phrases file with nothing usable (a slot without names): the general language model,
    which has no copies to decode, so the copy process ends instead of holding that model."""
    if len(usable_cpus()) < 2:
        pytest.skip("one CPU: no copy process is started at all")
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("turn on {name}\n", encoding="utf-8")
    engine = PocketsphinxTranscriber(PocketsphinxOptions(phrases_file=phrases))
    try:
        engine.load()
        assert engine.mode == "language-model"
        assert engine._ready is not None and not engine._ready.copy_process
        assert engine._processes is not None
        copy_process = engine._processes.copy_process
        assert copy_process is not None
        copy_process.join(10)
        assert not copy_process.is_alive()
    finally:
        engine.close()
