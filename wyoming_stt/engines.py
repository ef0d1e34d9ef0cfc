"""What every speech-to-text engine provides, the data in and out of it, and building one.

`--engine auto` picks faster-whisper when --model is set and pocketsphinx when it is not; an
explicit --model that cannot be loaded is a configuration error (exit 2), never a fallback.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from wyoming_common.worker import CancelToken, ModelWorker

from .selection import select_engine

if TYPE_CHECKING:
    from .settings import SttSettings

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class TranscriptionRequest:
    """One utterance to transcribe."""

    audio: np.ndarray = field(repr=False)
    """float32 mono samples at SAMPLE_RATE, in [-1, 1]."""
    language: str | None = None
    """Language the client asked for (`en`), None to use the engine's default."""
    names: tuple[str, ...] = ()
    """Names to bias recognition toward (the client's `transcript_names`)."""
    terms: tuple[str, ...] = ()
    """Domain terms to bias recognition toward (the client's `transcript_terms`)."""

    @property
    def seconds(self) -> float:
        """Duration of the audio."""
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class TranscriptSegment:
    """A piece of the transcript (may be empty text)."""

    text: str
    language: str | None


@dataclass(frozen=True)
class Vocabulary:
    """Names people say: entities with their aliases, and areas and floors with theirs."""

    names: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()
    """(name, Home Assistant domain) of the names whose domain is known ("light", "cover"):
    the embedded engine's grammar lets a verb name only what it acts on."""

    @property
    def everything(self) -> tuple[str, ...]:
        """Names and areas, each once."""
        return tuple(dict.fromkeys((*self.names, *self.areas)))

    def joined(self, other: Vocabulary) -> Vocabulary:
        """This vocabulary's names, areas and domains, then the other's."""
        return Vocabulary(
            names=(*self.names, *other.names),
            areas=(*self.areas, *other.areas),
            domains=(*self.domains, *other.domains),
        )


@dataclass(frozen=True)
class ModelCard:
    """What `info` says about the loaded model."""

    name: str
    description: str
    languages: tuple[str, ...]
    attribution_name: str
    attribution_url: str
    version: str | None = None
    default_language: str | None = None
    """Language reported for an empty transcript when the client asked for none."""


class Transcriber(Protocol):
    """A loaded speech-to-text engine. Blocking methods run in the ModelWorker only."""

    @property
    def engine_name(self) -> str:
        """Short engine name for logs (`faster-whisper`, `pocketsphinx`)."""
        ...

    @property
    def streams_partial_text(self) -> bool:
        """True when the transcript is sent as transcript-start/chunk/stop as well."""
        ...

    @property
    def max_batch(self) -> int:
        """How many requests one transcribe_batch call may take."""
        ...

    @property
    def card(self) -> ModelCard:
        """The loaded model (only valid after load)."""
        ...

    def load(self) -> ModelCard:
        """Load (downloading if needed) and warm up the model. Blocking."""
        ...

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Names from Home Assistant (at start and whenever they change). Blocking."""
        ...

    def transcribe_batch(
        self, requests: Sequence[TranscriptionRequest], token: CancelToken
    ) -> list[list[TranscriptSegment]]:
        """The segments of each request, in order; stop early once token is cancelled."""
        ...

    def close(self) -> None:
        """Release the model and any helper process."""
        ...


def join_segments(segments: Sequence[TranscriptSegment]) -> str:
    """The whole transcript: segment texts with single spaces."""
    return " ".join(segment.text.strip() for segment in segments if segment.text.strip())


def whisper_importable() -> bool:
    """True when faster-whisper is installed (checked without importing it)."""
    return importlib.util.find_spec("faster_whisper") is not None


def build_transcriber(
    settings: SttSettings, *, whisper_available: bool | None = None
) -> Transcriber:
    """The engine the settings ask for (not loaded yet); ConfigError names the flag."""
    # The engines import this module for its types: import them when building one.
    from .pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
    from .whisper.engine import FasterWhisperTranscriber, WhisperOptions

    available = whisper_importable() if whisper_available is None else whisper_available
    choice = select_engine(settings.engine, settings.model, available)
    if choice.engine == "pocketsphinx":
        if settings.engine == "auto":
            _LOGGER.info("Using the embedded pocketsphinx engine: %s", choice.reason)
        elif settings.model:
            _LOGGER.warning("--model %s is ignored by the pocketsphinx engine", settings.model)
        if settings.language not in (None, "en"):
            _LOGGER.warning("pocketsphinx recognises English only; --language is ignored")
        return PocketsphinxTranscriber(
            PocketsphinxOptions(
                phrases_file=settings.phrases_path,
                names_file=settings.names_path,
                general_model=settings.general_model,
            )
        )
    assert settings.model is not None
    if settings.general_model or settings.phrases_file:
        _LOGGER.warning("--general-model and --phrases-file are used by pocketsphinx only")
    _LOGGER.info("Using faster-whisper: %s", choice.reason)
    return FasterWhisperTranscriber(
        WhisperOptions(
            model=settings.model,
            device=settings.device,
            compute_type=settings.compute_type,
            language=settings.language,
            beam_size=settings.beam_size,
            data_dirs=settings.data_dir_paths,
            download_dir=settings.download_path,
            names_file=settings.names_path,
        )
    )


async def load_transcriber(transcriber: Transcriber, worker: ModelWorker) -> None:
    """The service's load step: load and warm up in the worker thread."""
    card = await worker.run(transcriber.load)
    _LOGGER.info(
        "stt engine %s ready: %s (%s)",
        transcriber.engine_name,
        card.name,
        ", ".join(card.languages[:8]) + (" ..." if len(card.languages) > 8 else ""),
    )
