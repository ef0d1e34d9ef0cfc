"""The TTS side of one reply: connects while the agent thinks, streams text as it comes, and
keeps a failure in `error` instead of interrupting the agent (the light still goes on)."""

from __future__ import annotations

import asyncio
import contextlib

from .errors import PipelineError
from .tts_client import TtsSynthesis
from .types import PipelineListener


class SpeechFeed:
    """Feeds one TtsSynthesis (None when the TTS already failed before the turn)."""

    def __init__(
        self,
        synthesis: TtsSynthesis | None,
        listener: PipelineListener,
        error: PipelineError | None = None,
    ) -> None:
        self.synthesis = synthesis
        self.listener = listener
        self.error = error
        self._opening = asyncio.create_task(synthesis.open()) if synthesis else None

    async def add(self, text: str) -> None:
        """Stream a piece of the reply (streaming TTS only)."""
        if self.error is None and self.synthesis is not None and self.synthesis.streaming:
            try:
                assert self._opening is not None
                await self._opening
                await self.synthesis.add_text(text)
            except PipelineError as err:
                self.error = err

    async def finish(self, reply: str) -> None:
        """Send the end of the text and wait for the last audio."""
        if self.error is not None or self.synthesis is None:
            return
        try:
            assert self._opening is not None
            await self._opening
            if reply.strip():
                await self.synthesis.finish(reply)
        except PipelineError as err:
            self.error = err
        if self.synthesis.first_audio_at is not None:
            await self.listener.on_audio_stop()

    async def close(self) -> None:
        """Cancel what is still pending and close the connection."""
        if self._opening is not None:
            if not self._opening.done():
                self._opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, PipelineError):
                await self._opening
        if self.synthesis is not None:
            await self.synthesis.close()
