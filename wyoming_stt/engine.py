"""What every speech-to-text engine provides, and the data that goes in and out of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from wyoming_common.worker import CancelToken

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
    """A piece of the transcript as soon as the engine has it (may be empty text)."""

    text: str
    language: str | None


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
        """True when transcribe yields text piece by piece (sent as transcript-chunk)."""
        ...

    @property
    def card(self) -> ModelCard:
        """The loaded model (only valid after load)."""
        ...

    def load(self) -> ModelCard:
        """Load (downloading if needed) and warm up the model. Blocking."""
        ...

    def transcribe(
        self, request: TranscriptionRequest, token: CancelToken
    ) -> Iterator[TranscriptSegment]:
        """Yield transcript segments; stop early once token is cancelled. Blocking."""
        ...

    def close(self) -> None:
        """Release the model and any helper process."""
        ...


def join_segments(segments: list[TranscriptSegment]) -> str:
    """The whole transcript: segment texts with single spaces."""
    return " ".join(segment.text.strip() for segment in segments if segment.text.strip())
