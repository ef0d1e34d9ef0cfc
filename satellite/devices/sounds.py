"""Feedback sounds: WAV files given by the user or small built-in tones (no files shipped)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wyoming_common.audio import AudioFormat, float_to_pcm16, read_wav

from .settings import SoundSettings

TONE_FORMAT = AudioFormat(rate=22050, width=2, channels=1)


@dataclass(frozen=True)
class Sound:
    """Raw PCM and its format, held in memory."""

    pcm: bytes
    fmt: AudioFormat

    @property
    def seconds(self) -> float:
        """Duration."""
        return self.fmt.seconds(len(self.pcm))


def load_sound(path: Path) -> Sound:
    """Read a WAV file into memory."""
    pcm, fmt = read_wav(path)
    return Sound(pcm, fmt.validate())


def tone(notes: list[tuple[float, float]], *, volume: float = 0.3, gap: float = 0.04) -> Sound:
    """A sequence of (frequency Hz, seconds) sine notes with soft edges; frequency 0 = rest."""
    rate = TONE_FORMAT.rate
    parts: list[np.ndarray] = []
    for frequency, seconds in notes:
        t = np.arange(int(rate * seconds), dtype=np.float32) / rate
        wave = np.sin(2 * np.pi * frequency * t) * volume if frequency else np.zeros_like(t)
        ramp = min(len(t) // 4, int(rate * 0.01))
        if ramp:
            envelope = np.ones_like(t)
            envelope[:ramp] = np.linspace(0, 1, ramp)
            envelope[-ramp:] = np.linspace(1, 0, ramp)
            wave = wave * envelope
        parts.append(wave.astype(np.float32))
        parts.append(np.zeros(int(rate * gap), dtype=np.float32))
    return Sound(float_to_pcm16(np.concatenate(parts)), TONE_FORMAT)


def repeat(sound: Sound, times: int, pause: float = 0.5) -> Sound:
    """The sound `times` times with a pause in between."""
    silence = bytes(int(sound.fmt.rate * pause) * sound.fmt.bytes_per_frame)
    return Sound((sound.pcm + silence) * times, sound.fmt)


ALARM = tone([(880, 0.15), (0, 0.05), (880, 0.15), (0, 0.05), (1175, 0.3)])
ERROR = tone([(440, 0.15), (330, 0.3)])
LISTENING = tone([(660, 0.06), (880, 0.08)], volume=0.2, gap=0.01)


@dataclass(frozen=True)
class FeedbackSounds:
    """The sounds the satellite plays on its own."""

    awake: Sound | None
    done: Sound | None
    timer: Sound
    error: Sound
    listening: Sound = LISTENING
    """The short earcon of a follow-up: "I am listening again"."""


def load_feedback_sounds(settings: SoundSettings) -> FeedbackSounds:
    """Load the configured WAV files once, at start."""

    def optional(path: Path | None) -> Sound | None:
        return load_sound(path) if path is not None else None

    timer = optional(settings.timer_wav) or ALARM
    return FeedbackSounds(
        awake=optional(settings.awake_wav),
        done=optional(settings.done_wav),
        timer=repeat(timer, settings.timer_repeat),
        error=optional(settings.error_wav) or ERROR,
    )
