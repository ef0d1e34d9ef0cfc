"""Text in, audio out: voice choice, text cleaning, the phrase cache and the engine (always
through the model worker, never on the event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import cast

from wyoming_common.audio import AudioFormat
from wyoming_common.speech_text import clean_for_speech
from wyoming_common.worker import ModelWorker

from .cache import PhraseCache, PhraseKey
from .engines import TtsEngine, VoiceChoice
from .sentences import split_sentences
from .voice_choice import VoiceRequest, resolve_voice

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechPiece:
    """Audio of part of a sentence; the last one of each sentence has end_of_sentence set."""

    audio: bytes
    end_of_sentence: bool


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

    async def prepare_text(self, text: str, max_sentence_chars: int) -> list[str]:
        """A whole text's sentences as they will be spoken (split and cleaned in a thread)."""
        return await asyncio.to_thread(
            lambda: self.prepare(split_sentences(text, max_sentence_chars))
        )

    async def speak(
        self, sentences: Sequence[str], choice: VoiceChoice
    ) -> AsyncIterator[SpeechPiece]:
        """The audio of each (prepared) sentence in order, in pieces as soon as they exist.

        Cached sentences are answered at once. The others go to the engine one worker call per
        sentence (requests of other clients take turns with this one between sentences); the
        engine hands out a sentence in pieces as it makes them, so the first audio of a reply
        does not wait for its first sentence to be finished.
        """
        for text in sentences:
            key = PhraseKey(self.engine.cache_tag, choice.voice, choice.speaker, text)
            audio = self.cache.get(key)
            if audio is not None:
                yield SpeechPiece(audio, end_of_sentence=True)
                continue
            parts: list[bytes] = []
            stream = cast(
                AsyncGenerator[bytes, None],
                self.worker.stream(self.engine.synthesize, text, choice, timeout=self.timeout),
            )
            async with contextlib.aclosing(stream):  # a cancelled request stops the engine call
                async for piece in stream:
                    parts.append(piece)
                    yield SpeechPiece(piece, end_of_sentence=False)
            self.cache.put(key, b"".join(parts))
            yield SpeechPiece(b"", end_of_sentence=True)
