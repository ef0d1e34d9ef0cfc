"""Names and terms that steer recognition: list files, Whisper prompts and hotwords."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from wyoming_common.errors import EngineError

# Whisper keeps at most ~223 prompt tokens; a few hundred characters of names fit comfortably.
MAX_PROMPT_CHARS = 600
MAX_HOTWORDS_CHARS = 300


def read_list_file(path: Path) -> tuple[str, ...]:
    """Non-empty lines of a UTF-8 file, without `#` comments, duplicates removed. Blocking."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise EngineError(f"cannot read {path}: {err.strerror or err}") from err
    return parse_list_text(text)


def parse_list_text(text: str) -> tuple[str, ...]:
    """Non-empty lines without `#` comments, duplicates removed."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return unique(line for line in lines if line)


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Items in first-seen order, case-insensitive duplicates and blanks removed."""
    seen: dict[str, str] = {}
    for item in items:
        cleaned = " ".join(item.split())
        if cleaned and cleaned.lower() not in seen:
            seen[cleaned.lower()] = cleaned
    return tuple(seen.values())


def _bounded_join(items: Iterable[str], separator: str, limit: int) -> str:
    text = ""
    for item in items:
        candidate = f"{text}{separator}{item}" if text else item
        if len(candidate) > limit:
            break
        text = candidate
    return text


def whisper_prompt(names: Iterable[str]) -> str | None:
    """Initial prompt listing names the way Whisper has seen them in text: `A, B, C.`"""
    text = _bounded_join(unique(names), ", ", MAX_PROMPT_CHARS - 1)
    return f"{text}." if text else None


def prompt_items(prompt: str) -> tuple[str, ...]:
    """The names and terms of a whisper_prompt, back out of its text."""
    return tuple(item.strip() for item in prompt.removesuffix(".").split(", ") if item.strip())


def whisper_hotwords(terms: Iterable[str]) -> str | None:
    """Hotwords for faster-whisper: space-separated terms."""
    text = _bounded_join(unique(terms), " ", MAX_HOTWORDS_CHARS)
    return text or None
