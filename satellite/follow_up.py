"""Follow-ups without the wake word: after a reply that asked a question (and after it has been
heard to the end), listen with the VAD alone for a few seconds; speech starts the next turn of
the same conversation, silence closes the window."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voice_pipeline.vad import CommandEndDetector, EndReason

from .devices.capture import AudioBlock

_LOGGER = logging.getLogger(__name__)

LOOKBACK_SECONDS = 0.6  # audio before the VAD was sure, so the first syllable is not lost


@dataclass(frozen=True)
class FollowUp:
    """An open window: for a Home Assistant connection (`server`) or the standalone pipeline."""

    server: Any | None


class FollowUpWindow:
    """At most one window at a time; fed microphone blocks while open."""

    def __init__(self, detector_factory: Callable[[], CommandEndDetector], seconds: float) -> None:
        self.detector_factory = detector_factory
        self.seconds = seconds
        self.pending: FollowUp | None = None
        self.open: FollowUp | None = None
        self._detector: CommandEndDetector | None = None
        self._blocks: deque[AudioBlock] = deque()
        self.opened = 0

    @property
    def enabled(self) -> bool:
        """False when --follow-up-seconds is 0."""
        return self.seconds > 0

    def request(self, server: Any | None) -> None:
        """A reply asked something: open a window once the speaker is quiet."""
        if self.enabled:
            self.pending = FollowUp(server)

    def cancel(self) -> None:
        """Forget a pending or open window (stop word, a wake word, the connection left)."""
        self.pending = self.open = None
        self._detector = None
        self._blocks.clear()

    def start(self) -> FollowUp | None:
        """Open the pending window (the caller plays the earcon); the window, or None."""
        follow_up, self.pending = self.pending, None
        if follow_up is None:
            return None
        self.open = follow_up
        self._detector = self.detector_factory()
        self._blocks.clear()
        self.opened += 1
        _LOGGER.debug("Listening for a follow-up for %.1f s", self.seconds)
        return follow_up

    async def feed(self, block: AudioBlock) -> list[AudioBlock] | None:
        """Take a block while open: the audio to send when speech began, else None (the
        window closes by itself after `seconds` of silence)."""
        if self.open is None or self._detector is None:
            return None
        self._blocks.append(block)
        while len(self._blocks) > 1 and _span(self._blocks) > LOOKBACK_SECONDS:
            self._blocks.popleft()
        reason = await self._detector.feed(block.audio)
        if self._detector is not None and self._detector.endpointer.speech_started:
            blocks = list(self._blocks)
            self.cancel()
            return blocks
        if reason is EndReason.NO_SPEECH or reason is EndReason.MAX_LENGTH:
            _LOGGER.debug("No follow-up: nobody spoke")
            self.cancel()
        return None


def _span(blocks: deque[AudioBlock]) -> float:
    return sum(len(b.audio) for b in blocks) / 32000.0
