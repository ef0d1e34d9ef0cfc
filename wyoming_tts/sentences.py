"""Sentence boundaries in text that arrives in fragments (LLM deltas, HA's synthesize-chunk).

A boundary is sentence-final punctuation followed by whitespace (or a newline on its own).
Decisions that depend on the next character wait for it, so "3." + "5 degrees" stays one
sentence and "Dr." + " Smith" is not split, while "Done." + " It is" splits as soon as the
next word starts. Whatever is left when the text ends comes out of `flush()`.

A stream (text still being written by a language model) may also hand out its **first clause**
early: once the opening text has a comma, semicolon, colon or dash, or a word that starts a
subordinate clause ("because", "which", ...), after at least FIRST_CLAUSE_WORDS words, that
clause is spoken while the model writes the rest of the sentence, so the first audio waits for
a few words, not for a whole sentence. Only the first: later sentences are ready long before
the audio before them has played.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from wyoming_common.errors import BadRequestError

_FINAL = ".!?…"
_CJK_FINAL = (
    "\u3002\uff01\uff1f"  # CJK full stop, exclamation and question marks need no space after them
)
# quotes, brackets and markdown emphasis after the punctuation ("Stop." / (Yes!) / **Done!**)
_CLOSERS = "\"')]}\u00bb\u201d\u2019*_`"
# Words after which a period does not end the sentence (lower case, without the period).
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "approx", "ca",
        "e.g", "i.e", "cf", "no", "nr", "fig", "dept", "gen", "gov", "sgt", "capt", "lt",
        "col", "rev", "hon", "ave", "blvd", "rd", "tel",
    }
)  # fmt: skip
DEFAULT_MAX_CHARS = 400
FIRST_CLAUSE_WORDS = 4
"""Words a first clause needs before it is handed out on its own ("Sure, ..." waits)."""
_CLAUSE_BREAK = re.compile(
    r"[,;:\u2013\u2014](?=\s)"
    r"|\s(?=(?:because|which|although|though|whereas|unless|while|since|but)\s)",
    re.IGNORECASE,
)
"""Where a clause ends: after a clause mark, or before a word that starts the next clause."""


class SentenceSplitter:
    """Accumulates text fragments and hands out each sentence once it is complete."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS, *, first_clause: bool = False) -> None:
        self.max_chars = max_chars
        self._buffer = ""
        self._scanned = 0  # the pending text up to here holds no sentence end
        self._first_clause = first_clause  # still to look for an early first clause

    def feed(self, text: str) -> list[str]:
        """Add a fragment; return the sentences it completed (stripped, non-empty)."""
        buffer = self._buffer + text  # what was pending is at most max_chars long
        sentences: list[str] = []
        start = _skip_space(buffer, 0)
        scan_from = max(start, self._scanned)
        while start < len(buffer):
            cut, scan_from = _find_boundary(buffer, start, scan_from, start + self.max_chars)
            if cut is None and self._first_clause and not sentences:
                cut = _clause_cut(buffer, start, scan_from)
                if cut is not None:
                    scan_from = cut
            if cut is None:
                if len(buffer) - start <= self.max_chars:
                    break  # wait for more text
                cut = _soft_cut(buffer, start, self.max_chars)
            sentence = buffer[start:cut].strip()
            if sentence:
                sentences.append(sentence)
                self._first_clause = False
            start = scan_from = _skip_space(buffer, cut)
        self._buffer = buffer[start:]
        self._scanned = scan_from - start
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


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _find_boundary(text: str, start: int, scan_from: int, limit: int) -> tuple[int | None, int]:
    """(index just after the first sentence end in text[start:limit], or None; where a later
    scan must resume: the candidate that needs more text to decide, else where this one ended)."""
    i = scan_from
    stop = min(limit, len(text))
    while i < stop:
        char = text[i]
        if char == "\n":
            return i + 1, i + 1
        if char in _CJK_FINAL:
            end = _skip(text, i + 1, _CJK_FINAL + _CLOSERS)
            return end, end
        if char in _FINAL:
            end = _skip(text, i + 1, _FINAL + _CLOSERS)
            decision = _decide(text, start, i, end)
            if decision is None:
                return None, i
            if decision:
                return end, end
            i = end
            continue
        i += 1
    return None, i


def _skip(text: str, start: int, chars: str) -> int:
    while start < len(text) and text[start] in chars:
        start += 1
    return start


def _decide(text: str, sentence_start: int, punct_at: int, end: int) -> bool | None:
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
    word = _word_before(text, sentence_start, punct_at)
    if word.lower() in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # initials: J. R. R. Tolkien
    parts = [part for part in word.split(".") if part]
    if "." in word and all(part.isalpha() and len(part) <= 2 for part in parts):
        return False  # U.S. Army
    # "1. Turn on ..." at the start is a list item, not a sentence
    return not (word.isdigit() and not text[sentence_start : punct_at - len(word)].strip())


def _word_before(text: str, sentence_start: int, index: int) -> str:
    start = index
    while start > sentence_start and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:index]


def _clause_cut(text: str, start: int, end: int) -> int | None:
    """Where the first clause of text[start:end] ends (see _CLAUSE_BREAK; "1,000" is none)
    once it has at least FIRST_CLAUSE_WORDS words, or None."""
    for found in _CLAUSE_BREAK.finditer(text, start, end):
        if len(text[start : found.start()].split()) >= FIRST_CLAUSE_WORDS:
            return found.start() + (1 if not text[found.start()].isspace() else 0)
    return None


def _soft_cut(text: str, start: int, max_chars: int) -> int:
    """Where to split an overlong sentence: after a comma-like mark (else a space) before
    max_chars, else at max_chars."""
    window = text[start : start + max_chars]
    for marks in (";:", ",", " "):
        cut = max(window.rfind(mark) for mark in marks)
        if cut > max_chars // 4:
            return start + cut + 1
    return start + max_chars


class TextStream:
    """Text of one streaming request, handed on as prepared sentences.

    `feed` (on the event loop) only queues text and counts it against the cap; splitting and
    `prepare` (cleaning) run in a thread when the request task asks for the next sentences.
    """

    def __init__(
        self,
        prepare: Callable[[list[str]], list[str]],
        *,
        max_sentence_chars: int = DEFAULT_MAX_CHARS,
        max_chars: int = 10_000,
    ) -> None:
        self._splitter = SentenceSplitter(max_sentence_chars, first_clause=True)
        self._prepare = prepare
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._ended = False
        self.max_chars = max_chars
        self.received = 0

    def feed(self, text: str) -> None:
        """A synthesize-chunk's text; BadRequestError once the stream's text is over the cap."""
        self.received += len(text)
        if self.received > self.max_chars:
            raise BadRequestError(
                f"synthesize-chunk: the stream's text is over the limit of {self.max_chars} "
                "characters (--max-text-chars)"
            )
        self._queue.put_nowait(text)

    def finish(self) -> None:
        """synthesize-stop: the rest of the text is the last sentence."""
        self._queue.put_nowait(None)

    async def next_batch(self) -> list[str] | None:
        """The sentences the text so far completed (waits for one); None once the stream ended."""
        while not self._ended:
            parts = [await self._queue.get()]
            while not self._queue.empty():
                parts.append(self._queue.get_nowait())
            if None in parts:
                self._ended = True
                parts = parts[: parts.index(None)]
            text = "".join(part for part in parts if part is not None)
            sentences = await asyncio.to_thread(self._split, text, self._ended)
            if sentences:
                return sentences
        return None

    def _split(self, text: str, last: bool) -> list[str]:
        sentences = self._splitter.feed(text)
        if last:
            sentences += self._splitter.flush()
        return self._prepare(sentences)
