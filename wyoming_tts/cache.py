"""Recently synthesized short sentences ("Done.", "OK, turned on the kitchen light."), so a
repeat is answered without the engine. Bounded by bytes, least recently used goes first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class PhraseKey:
    """Everything that changes the audio of a sentence."""

    engine: str  # engine name + synthesis settings
    voice: str
    speaker: str | None
    text: str


class PhraseCache:
    """An LRU map from PhraseKey to PCM audio, at most max_bytes of audio in total.

    Only sentences of at most max_text_chars characters are kept: long ones rarely repeat.
    Used from the event loop only (no locking).
    """

    def __init__(self, max_bytes: int, *, max_text_chars: int = 120) -> None:
        self.max_bytes = max_bytes
        self.max_text_chars = max_text_chars
        self._entries: OrderedDict[PhraseKey, bytes] = OrderedDict()
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def accepts(self, key: PhraseKey) -> bool:
        """Whether a sentence is short enough to be cached at all."""
        return self.max_bytes > 0 and len(key.text) <= self.max_text_chars

    def get(self, key: PhraseKey) -> bytes | None:
        """The cached audio (now most recently used), or None."""
        audio = self._entries.get(key)
        if audio is None:
            if self.accepts(key):
                self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return audio

    def put(self, key: PhraseKey, audio: bytes) -> None:
        """Remember audio for key, evicting the least recently used entries to make room."""
        if not self.accepts(key) or len(audio) > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size_bytes -= len(previous)
        while self._entries and self.size_bytes + len(audio) > self.max_bytes:
            _old_key, old_audio = self._entries.popitem(last=False)
            self.size_bytes -= len(old_audio)
        self._entries[key] = audio
        self.size_bytes += len(audio)
