"""Sentence boundaries in text that arrives in fragments (LLM deltas, HA's synthesize-chunk).

A boundary is sentence-final punctuation followed by whitespace (or a newline on its own).
Decisions that depend on the next character wait for it, so "3." + "5 degrees" stays one
sentence and "Dr." + " Smith" is not split, while "Done." + " It is" splits as soon as the
next word starts. Whatever is left when the text ends comes out of `flush()`.
"""

from __future__ import annotations

_FINAL = ".!?…"
_CJK_FINAL = (
    "\u3002\uff01\uff1f"  # CJK full stop, exclamation and question marks need no space after them
)
_CLOSERS = "\"')]}\u00bb\u201d\u2019"  # quotes and brackets after the punctuation
# Words after which a period does not end the sentence (lower case, without the period).
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "approx", "ca",
        "e.g", "i.e", "cf", "no", "nr", "fig", "dept", "gen", "gov", "sgt", "capt", "lt",
        "col", "rev", "hon", "ave", "blvd", "rd", "tel",
    }
)  # fmt: skip
DEFAULT_MAX_CHARS = 400


class SentenceSplitter:
    """Accumulates text fragments and hands out each sentence once it is complete."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        """Add a fragment; return the sentences it completed (stripped, non-empty)."""
        self._buffer += text
        sentences: list[str] = []
        while True:
            cut = _find_boundary(self._buffer)
            if cut is None:
                cut = _soft_cut(self._buffer, self.max_chars)
            if cut is None:
                break
            sentence, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:].lstrip()
            if sentence:
                sentences.append(sentence)
        return sentences

    def flush(self) -> list[str]:
        """The text still pending (at the end of a stream) as a last sentence."""
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if rest else []

    @property
    def pending(self) -> str:
        """Text received but not yet part of a complete sentence."""
        return self._buffer


def split_sentences(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """All sentences of a complete text."""
    splitter = SentenceSplitter(max_chars)
    return splitter.feed(text) + splitter.flush()


def _find_boundary(text: str) -> int | None:
    """Index just after the first decided sentence end, or None if none is decided yet."""
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char == "\n":
            return i + 1
        if char in _CJK_FINAL:
            end = _skip(text, i + 1, _CJK_FINAL + _CLOSERS)
            return end
        if char in _FINAL:
            end = _skip(text, i + 1, _FINAL + _CLOSERS)
            decision = _decide(text, i, end)
            if decision is None:
                return None  # need more text to know
            if decision:
                return end
            i = end
            continue
        i += 1
    return None


def _skip(text: str, start: int, chars: str) -> int:
    while start < len(text) and text[start] in chars:
        start += 1
    return start


def _decide(text: str, punct_at: int, end: int) -> bool | None:
    """Whether the punctuation run text[punct_at:end] ends a sentence; None = undecided."""
    if end >= len(text):
        return None
    if not text[end].isspace():
        return False  # 3.5, e.g.x, www.example.com
    after = end
    while after < len(text) and text[after].isspace():
        if text[after] == "\n":
            return True
        after += 1
    if after >= len(text):
        return None
    run = text[punct_at:end].rstrip(_CLOSERS)
    if text[after].islower() and not run.strip(".…"):
        return False  # "e.g. this", "approx. five", "well... maybe"
    if run != ".":
        return True  # ?, !, ?!, ...
    word = _word_before(text, punct_at)
    if word.lower() in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # initials: J. R. R. Tolkien
    parts = [part for part in word.split(".") if part]
    if "." in word and all(part.isalpha() and len(part) <= 2 for part in parts):
        return False  # U.S. Army
    # "1. Turn on ..." at the start is a list item, not a sentence
    return not (word.isdigit() and not text[: punct_at - len(word)].strip())


def _word_before(text: str, index: int) -> str:
    start = index
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:index]


def _soft_cut(text: str, max_chars: int) -> int | None:
    """Split an overlong sentence after a comma-like mark (else a space) before max_chars."""
    if len(text) <= max_chars:
        return None
    window = text[:max_chars]
    for marks in (";:", ",", " "):
        cut = max(window.rfind(mark) for mark in marks)
        if cut > max_chars // 4:
            return cut + 1
    return max_chars
