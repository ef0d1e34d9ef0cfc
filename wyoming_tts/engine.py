"""What the service needs from a synthesis engine (Piper, espeak-ng), and the values they share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from wyoming_common.audio import AudioFormat
from wyoming_common.worker import CancelToken


@dataclass(frozen=True)
class VoiceDescription:
    """A voice as clients see it in info (no model needs to be loaded to describe it)."""

    name: str
    languages: tuple[str, ...]  # Piper style: en_US
    speakers: tuple[str, ...] = ()
    description: str | None = None
    version: str | None = None
    attribution_name: str = ""
    attribution_url: str = ""
    sample_rate: int = 22050


@dataclass(frozen=True)
class VoiceChoice:
    """The voice (and speaker of a multi-speaker voice) one request is spoken with."""

    voice: str
    speaker: str | None = None


@dataclass(frozen=True)
class SpeechSettings:
    """How to speak: None leaves the voice's own default."""

    length_scale: float | None = None  # > 1 slower, < 1 faster
    noise_scale: float | None = None
    noise_w: float | None = None
    sentence_silence: float = 0.0  # seconds of silence after each sentence

    def cache_tag(self) -> str:
        """A string that differs whenever these settings change the audio."""
        return (
            f"ls={self.length_scale}/ns={self.noise_scale}/nw={self.noise_w}"
            f"/ss={self.sentence_silence}"
        )


class TtsEngine(Protocol):
    """A synthesis engine. Every method but `voices`/`default_voice`/`audio_format` blocks and
    runs in the model worker; those three are cheap and valid once `load` has returned."""

    @property
    def name(self) -> str:
        """Engine name for logs and info (piper, espeak-ng)."""
        ...

    @property
    def concurrency(self) -> int:
        """How many synthesize calls may run at once."""
        ...

    @property
    def cache_tag(self) -> str:
        """Identifies the engine and its settings in cache keys."""
        ...

    @property
    def default_voice(self) -> str:
        """Voice used when a request names none (or an unknown one)."""
        ...

    def load(self) -> None:
        """Find voices, load and warm the default voice (blocking)."""
        ...

    def voices(self) -> Sequence[VoiceDescription]:
        """Every voice this engine can speak with, default first."""
        ...

    def audio_format(self, voice: str) -> AudioFormat:
        """The PCM format `synthesize` produces for a voice."""
        ...

    def synthesize(
        self, sentences: Sequence[str], choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        """Yield 16-bit PCM for each sentence, in order, as soon as it is ready (blocking).

        Exactly one item per sentence; stops early once `cancel` is set.
        """
        ...
