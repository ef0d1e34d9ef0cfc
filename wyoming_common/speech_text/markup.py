"""Markup a language model writes that must not be read aloud: markdown, HTML tags, URLs, emoji."""

from __future__ import annotations

import re

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_URL = re.compile(r"\bhttps?://(?:www\.)?([^\s/?#)]+)[^\s)]*")
_FENCE_LINE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_QUOTE = re.compile(r"^\s*(?:>\s?)+", re.MULTILINE)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•‣◦]|\d{1,3}[.)])\s+", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_=])(?:\s*\1){2,}\s*$", re.MULTILINE)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_STRIKE = re.compile(r"~~(.+?)~~")
_CODE = re.compile(r"`+([^`]*)`+")


def strip_markdown(text: str) -> str:
    """Markdown to plain text: keep what a reader would see, drop the markup."""
    text = _FENCE_LINE.sub("", text)
    text = _HTML_TAG.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(r"\1", text)
    text = _TABLE_SEPARATOR.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADER.sub("", text)
    text = _QUOTE.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = text.replace("|", ", ")
    text = re.sub(r"(?<=\w)_(?=\w)", " ", text)  # snake_case
    return re.sub(r"[*`_]+|~~|~(?!\s?\d)|\[\[|\]\]", " ", text)  # stray markup


# -- emoji ------------------------------------------------------------------------------------

_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, symbols & pictographs
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u2300-\u23ff"  # technical (⌚ ⏰ ⏩)
    "\u2b00-\u2bff"  # arrows and stars (⭐ ⬆)
    "\u2190-\u21ff"  # arrows
    "\ufe0e\ufe0f\u200d\u20e3"  # variation selectors, zero-width joiner, keycap
    "\U000e0020-\U000e007f"  # tag characters (flag sequences)
    "\u00a9\u00ae\u2122"  # © ® ™
    "]+"
)


def strip_emoji(text: str) -> str:
    """Remove emoji and pictographic symbols (never spoken as their names)."""
    return _EMOJI.sub(" ", text)
