"""Streamed model text made speakable piece by piece, stopping after a number of sentences."""

from __future__ import annotations

import re

from .cleaner import clean_for_speech

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def count_sentences(text: str) -> int:
    """Number of finished sentences in text."""
    return len(_SENTENCE_END.findall(text))


class SpeechStream:
    """Turns streamed model text into clean, word-aligned chunks for TTS.

    Text is released at whitespace so a chunk never splits a word; `full` tells the producer
    to stop once `max_sentences` sentences are complete (answers are for the ear).
    """

    def __init__(self, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences
        self._pending = ""
        self._spoken: list[str] = []
        self._sentences = 0
        self.full = False

    @property
    def text(self) -> str:
        """Everything released so far."""
        return "".join(self._spoken).strip()

    def feed(self, delta: str) -> str:
        """Add model text; returns the clean text that can be spoken now ("" if none)."""
        if self.full:
            return ""
        self._pending += delta
        cut = max(self._pending.rfind(" "), self._pending.rfind("\n"))
        if cut <= 0:
            return ""
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._release(ready)

    def finish(self) -> str:
        """Release what is left."""
        rest, self._pending = self._pending, ""
        return "" if self.full else self._release(rest)

    def _release(self, raw: str) -> str:
        cleaned = clean_for_speech(raw, piece=True)  # keeps "routine," (the TTS may cut there)
        if not cleaned:
            return ""
        words: list[str] = []
        for word in cleaned.split(" "):
            words.append(word)
            if _SENTENCE_END.search(word):
                self._sentences += 1
                if self._sentences >= self.max_sentences:
                    self.full = True
                    break
        chunk = " ".join(words)
        if self._spoken:
            chunk = " " + chunk
        self._spoken.append(chunk)
        return chunk
