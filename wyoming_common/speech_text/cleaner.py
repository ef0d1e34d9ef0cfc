"""The whole cleaning, in order: markup out, symbols spelled out, emoji out, whitespace tidied."""

from __future__ import annotations

import re

from .markup import strip_emoji, strip_markdown
from .symbols import normalize_symbols

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA = re.compile(r"(?:,\s*){2,}")
_EDGE_MARKS = " ,;:"


def tidy_whitespace(text: str, *, piece: bool = False) -> str:
    """One space between words, none before punctuation, no empty lines, no comma or colon at
    the edges (piece: a part of a longer text keeps the one at its end)."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    text = " ".join(line for line in lines if line)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(", ", text)
    text = text.lstrip(_EDGE_MARKS)
    return text.rstrip(" ") if piece else text.rstrip(_EDGE_MARKS)


def clean_for_speech(text: str, *, piece: bool = False) -> str:
    """Markdown and emoji removed, symbols spelled out, whitespace tidied; "" when nothing
    speakable (no letter or digit) is left. piece: a part of a streamed text, which keeps a
    comma or colon at its end ("routine," + " such as": the voice pauses there)."""
    text = strip_markdown(text)
    text = normalize_symbols(text)
    text = strip_emoji(text)
    text = tidy_whitespace(text, piece=piece)
    return text if any(char.isalnum() for char in text) else ""
