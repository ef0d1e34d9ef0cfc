"""The whole cleaning, in order: markup out, symbols spelled out, emoji out, whitespace tidied."""

from __future__ import annotations

import re

from .markup import strip_emoji, strip_markdown
from .symbols import normalize_symbols

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA = re.compile(r"(?:,\s*){2,}")


def tidy_whitespace(text: str) -> str:
    """One space between words, none before punctuation, no empty lines."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    text = " ".join(line for line in lines if line)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(", ", text)
    return text.strip(" ,;:")


def clean_for_speech(text: str) -> str:
    """Markdown and emoji removed, symbols spelled out, whitespace tidied; "" when nothing
    speakable (no letter or digit) is left."""
    text = strip_markdown(text)
    text = normalize_symbols(text)
    text = strip_emoji(text)
    text = tidy_whitespace(text)
    return text if any(char.isalnum() for char in text) else ""
