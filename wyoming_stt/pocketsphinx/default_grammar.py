"""The built-in command grammar of the embedded engine (package data in pocketsphinx/data).

`default_commands.txt` holds the phrases people say to Home Assistant's Assist in English;
`default_names.txt` and `default_areas.txt` the generic device words and rooms that fill its
`{name}` and `{area}` slots until the user's own names (--names-file, Home Assistant) join them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from ..biasing import parse_list_text
from .automaton import WordGraph
from .grammar import build_grammar


@cache
def _read(name: str) -> tuple[str, ...]:
    return parse_list_text(
        files("wyoming_stt.pocketsphinx").joinpath("data", name).read_text(encoding="utf-8")
    )


def default_templates() -> tuple[str, ...]:
    """The built-in phrases and rules."""
    return _read("default_commands.txt")


def default_names() -> tuple[str, ...]:
    """Generic device words for `{name}`."""
    return _read("default_names.txt")


def default_areas() -> tuple[str, ...]:
    """Generic rooms for `{area}` (and `{name}`)."""
    return _read("default_areas.txt")


def default_phrase_graph(
    names: Iterable[str], areas: Iterable[str], domains: Iterable[tuple[str, str]] = ()
) -> WordGraph | None:
    """The built-in phrases with these names as a word graph, every word sayable: which word
    sequences of a text are commands (for Whisper's transcripts and bench scoring, not for the
    recogniser, which needs pronunciations)."""
    grammar = build_grammar(
        default_templates(), names, lambda _word: "", areas=areas, domains=domains
    )
    return grammar.graph if grammar is not None else None
