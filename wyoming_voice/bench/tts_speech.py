"""Round trip for `bench tts`: Whisper transcribes what a TTS server said; word errors against
the text it was given (how understandable the speech is, ours and the peer's alike)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.audio import AudioFormat, to_float_mono

from .stt_scoring import word_errors


@dataclass(frozen=True)
class Spoken:
    """One text and the audio a server made of it."""

    text: str
    pcm: bytes
    fmt: AudioFormat


@dataclass(frozen=True)
class RoundTrip:
    """Word errors over every clip of one server."""

    errors: int
    words: int
    clips: int

    @property
    def wer(self) -> float:
        """Word error rate (0 when there were no words)."""
        return self.errors / self.words if self.words else 0.0


def round_trip(whisper_model: Path, spoken: Sequence[Spoken]) -> RoundTrip:
    """Transcribe each clip with faster-whisper (CPU, int8; greedy) and count word errors."""
    from faster_whisper import WhisperModel

    model = WhisperModel(str(whisper_model), device="cpu", compute_type="int8")
    errors = words = 0
    for clip in spoken:
        audio = to_float_mono(clip.pcm, clip.fmt, 16000)
        segments, _info = model.transcribe(audio, language="en", beam_size=1)
        heard = " ".join(segment.text for segment in segments)
        edits, count = word_errors(clip.text, heard)
        errors, words = errors + edits, words + count
    return RoundTrip(errors, words, len(spoken))
