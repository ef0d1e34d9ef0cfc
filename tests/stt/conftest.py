"""Engines loaded once per test session (real models), and servers around them per test."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.services import command_transcripts, running_service
from tests.support.tiny_whisper import build_tiny_whisper_model
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker
from wyoming_stt.batching import BatchQueue
from wyoming_stt.engines import Transcriber
from wyoming_stt.handler import SttEventHandler
from wyoming_stt.info import build_info
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.whisper.engine import FasterWhisperTranscriber, WhisperOptions


def list_file(path: Path, lines: Iterable[str]) -> Path:
    """Write a --names-file or --phrases-file: one line each."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def commands() -> list[tuple[Path, str]]:
    """(wav, exact transcript) of the 73 recorded commands."""
    return command_transcripts()


@pytest.fixture(scope="session")
def phrases_file(
    tmp_path_factory: pytest.TempPathFactory, commands: list[tuple[Path, str]]
) -> Path:
    """A --phrases-file with the commands' transcripts, one per line."""
    return list_file(tmp_path_factory.mktemp("stt") / "phrases.txt", (t for _w, t in commands))


@pytest.fixture(scope="session")
def grammar_engine(phrases_file: Path) -> Iterator[PocketsphinxTranscriber]:
    """pocketsphinx with a command grammar built from the test transcripts."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions(phrases_file=phrases_file))
    engine.load()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def lm_engine() -> Iterator[PocketsphinxTranscriber]:
    """pocketsphinx with its general English language model."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions(general_model=True))
    engine.load()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def tiny_whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny CTranslate2 Whisper model built by tests/support/tiny_whisper.py."""
    return build_tiny_whisper_model(tmp_path_factory.mktemp("whisper") / "tiny-whisper")


@pytest.fixture(scope="session")
def whisper_engine(tiny_whisper_dir: Path) -> Iterator[FasterWhisperTranscriber]:
    """faster-whisper on the tiny model, CPU int8."""
    engine = FasterWhisperTranscriber(
        WhisperOptions(model=str(tiny_whisper_dir), device="cpu", compute_type="int8")
    )
    engine.load()
    yield engine
    engine.close()


@asynccontextmanager
async def stt_service(
    transcriber: Transcriber,
    queue: BatchQueue | None = None,
    **handler_options: Any,
) -> AsyncIterator[ServiceRunner]:
    """A real STT server on a free loopback port around an already loaded engine."""
    factory = functools.partial(
        SttEventHandler,
        transcriber=transcriber,
        queue=queue or BatchQueue(transcriber, ModelWorker("stt-test")),
        info=functools.partial(build_info, transcriber),
        **handler_options,
    )
    async with running_service(factory, service="stt") as runner:
        yield runner
