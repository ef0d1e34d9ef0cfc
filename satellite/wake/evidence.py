"""How well a satellite heard a wake word, comparable between rooms: the wake score plus the
speech level above the device's own recent noise floor (each microphone has its own gain and
its own room noise, so raw levels would not compare)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

FLOOR_DB = -90.0  # digital silence is not an infinitely good room
SCORE_WEIGHT_DB = 10.0  # a wake score of 1.0 counts like 10 dB of signal over the noise


def block_db(audio: bytes) -> float:
    """Level of 16-bit PCM in dBFS (FLOOR_DB for silence)."""
    samples = np.frombuffer(audio[: len(audio) - len(audio) % 2], dtype="<i2")
    if samples.size == 0:
        return FLOOR_DB
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) / 32768.0
    return max(FLOOR_DB, 20.0 * math.log10(rms)) if rms > 0 else FLOOR_DB


@dataclass(frozen=True)
class WakeEvidence:
    """Wake score, speech level over the noise floor, and one number to compare them by."""

    score: float
    snr_db: float

    @property
    def value(self) -> float:
        """Higher is better heard."""
        return self.snr_db + SCORE_WEIGHT_DB * self.score

    @property
    def best_possible(self) -> float:
        """The value this satellite could still reach if its detector fired now (score 1)."""
        return self.snr_db + SCORE_WEIGHT_DB


class LoudnessTracker:
    """Block levels of the last seconds: the noise floor (a low percentile over a long window)
    and the speech level (the loudest blocks of the last wake-word-long stretch)."""

    def __init__(
        self,
        block_seconds: float = 0.064,
        floor_seconds: float = 8.0,
        speech_seconds: float = 1.2,
    ) -> None:
        self._levels: deque[float] = deque(maxlen=max(1, round(floor_seconds / block_seconds)))
        self._speech_blocks = max(1, round(speech_seconds / block_seconds))

    def add(self, audio: bytes) -> None:
        """Account for one microphone block."""
        self._levels.append(block_db(audio))

    @property
    def noise_floor_db(self) -> float:
        """The 10th percentile of recent block levels."""
        if not self._levels:
            return FLOOR_DB
        return float(np.percentile(np.fromiter(self._levels, float), 10))

    @property
    def speech_db(self) -> float:
        """The level of the loud part of the last second or so (the 80th percentile)."""
        recent = list(self._levels)[-self._speech_blocks :]
        if not recent:
            return FLOOR_DB
        return float(np.percentile(np.asarray(recent), 80))

    def evidence(self, score: float | None) -> WakeEvidence:
        """Evidence now, for a detection with this score (None: the engine gave none)."""
        snr = max(0.0, self.speech_db - self.noise_floor_db)
        return WakeEvidence(score=0.5 if score is None else score, snr_db=snr)
