"""From microphone blocks to "answer this wake word": the engine, the refractory period, the
evidence of how well it was heard, and the arbitration with the other satellites."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..arbitration.arbiter import Arbiter, Decision
from .engine import Refractory, WakeHit, WakeWordEngine
from .evidence import LoudnessTracker, WakeEvidence

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class WakeDecision:
    """A wake word this satellite heard, and whether it answers it."""

    hit: WakeHit
    evidence: WakeEvidence
    arbitration: Decision

    @property
    def answer(self) -> bool:
        """True when this satellite goes on with the command."""
        return self.arbitration.won


class WakeTrigger:
    """Runs the wake engine on blocks; reports detections once, with the arbitration's word."""

    def __init__(
        self,
        engine: WakeWordEngine,
        *,
        refractory: Refractory,
        loudness: LoudnessTracker,
        arbiter: Arbiter | None = None,
    ) -> None:
        self.engine = engine
        self.refractory = refractory
        self.loudness = loudness
        self.arbiter = arbiter
        self._dirty = False
        self.decisions: list[WakeDecision] = []

    def reset_later(self) -> None:
        """Start from fresh state at the next block (after a command or our own playback)."""
        self._dirty = True

    async def process(self, audio: bytes, timestamp: int) -> WakeDecision | None:
        """Feed one block; a decision when a wake word was just detected."""
        # A failing engine raises: the satellite's audio loop logs it once, resets the
        # state (reset_later) and goes on; failures that persist restart the satellite.
        if self._dirty:
            await self.engine.reset()
            self._dirty = False
        hit = await self.engine.process(audio, timestamp)
        if hit is None or not self.refractory.allow(hit.name):
            return None
        evidence = self.loudness.evidence(hit.probability)
        if self.arbiter is None:
            decision = Decision(True, 0.0, 0, "no arbitration")
        else:
            decision = await self.arbiter.contend(hit.name, evidence)
        result = WakeDecision(hit, evidence, decision)
        self.decisions = [*self.decisions[-19:], result]
        _LOGGER.info(
            "Wake word %s (score %.2f, %.1f dB over the noise): %s (%s, %.0f ms)",
            hit.name,
            evidence.score,
            evidence.snr_db,
            "answering" if decision.won else "another satellite answers",
            decision.reason,
            decision.waited * 1000,
        )
        return result
