"""The last moments of microphone audio, so the first word after the wake word is not lost."""

from __future__ import annotations

from collections import deque

from wyoming_common.audio import STT_FORMAT

from ..devices.capture import AudioBlock


class PrerollBuffer:
    """Keeps about `seconds` of the most recent blocks."""

    def __init__(self, seconds: float) -> None:
        self.max_bytes = int(seconds * STT_FORMAT.rate * STT_FORMAT.bytes_per_frame)
        self._blocks: deque[AudioBlock] = deque()
        self._bytes = 0

    def append(self, block: AudioBlock) -> None:
        """Add the newest block, dropping blocks older than the window."""
        self._blocks.append(block)
        self._bytes += len(block.audio)
        while self._blocks and self._bytes - len(self._blocks[0].audio) >= self.max_bytes:
            self._bytes -= len(self._blocks.popleft().audio)

    def snapshot(self, after: int | None = None) -> list[AudioBlock]:
        """The buffered blocks, oldest first, only those later than `after` when given (the
        buffer is cleared)."""
        blocks = [b for b in self._blocks if after is None or b.timestamp > after]
        self._blocks.clear()
        self._bytes = 0
        return blocks

    def after_wake(self, timestamp: int | None, detection_lags: bool) -> list[AudioBlock]:
        """The command's first audio: the blocks after the wake word (cleared afterwards).

        A local detector reports the wake word with the block that completes it, so the
        pre-roll before that block is the wake word itself: sending it makes the recogniser
        hear "...bu turn on". A remote service answers late, after audio that may already hold
        the first word: the whole pre-roll window is kept then (and without a wake word)."""
        if timestamp is None or detection_lags:
            return self.snapshot()
        return self.snapshot(after=timestamp)
