"""Names and terms that steer recognition: list files and their lines."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from wyoming_common.errors import EngineError


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
