"""Text in, sentence audio out: voice choice, text hygiene, the phrase cache and the engine
(always through the model worker, never on the event loop)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import cast

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import EngineError
from wyoming_common.worker import ModelWorker

from .cache import PhraseCache, PhraseKey
from .engine import TtsEngine, VoiceChoice
from .text_hygiene import clean_for_speech
from .voice_choice import VoiceRequest, resolve_voice

_LOGGER = logging.getLogger(__name__)


class Synthesizer:
    """Shared by every connection of the service."""

    def __init__(
        self,
        engine: TtsEngine,
        worker: ModelWorker,
        cache: PhraseCache,
        *,
        timeout: float | None = None,
    ) -> None:
        self.engine = engine
        self.worker = worker
        self.cache = cache
        self.timeout = timeout  # for one worker call (one sentence)

    def choose_voice(self, request: VoiceRequest) -> VoiceChoice:
        """The voice for a request; an unknown voice falls back to the default (logged)."""
        resolution = resolve_voice(self.engine.voices(), self.engine.default_voice, request)
        for warning in resolution.warnings:
            _LOGGER.warning("%s", warning)
        return resolution.choice

    def audio_format(self, choice: VoiceChoice) -> AudioFormat:
        """The PCM format every block of a request comes in."""
        return self.engine.audio_format(choice.voice)

    @staticmethod
    def prepare(sentences: Sequence[str]) -> list[str]:
        """Sentences as they will be spoken; those with nothing speakable are dropped."""
        return [spoken for spoken in map(clean_for_speech, sentences) if spoken]

    async def speak(self, sentences: Sequence[str], choice: VoiceChoice) -> AsyncIterator[bytes]:
        """PCM for each (prepared) sentence in order, each as soon as it exists.

        Cached sentences are answered at once. The others go to the engine one worker call per
        sentence: audio goes out while nothing competes with the event loop for the GIL (a
        producer running ahead delayed the first audio), and requests of other clients take
        turns with this one between sentences.
        """
        for text in sentences:
            key = PhraseKey(self.engine.cache_tag, choice.voice, choice.speaker, text)
            audio = self.cache.get(key)
            if audio is None:
                audio = await self._synthesize(text, choice)
                self.cache.put(key, audio)
            yield audio

    async def _synthesize(self, text: str, choice: VoiceChoice) -> bytes:
        stream = cast(
            AsyncGenerator[bytes, None],
            self.worker.stream(self.engine.synthesize, [text], choice, timeout=self.timeout),
        )
        async with contextlib.aclosing(stream):  # a cancelled request stops the engine call
            parts = [audio async for audio in stream]
        if len(parts) != 1:
            raise EngineError(f"the engine returned {len(parts)} audio blocks for one sentence")
        return parts[0]
