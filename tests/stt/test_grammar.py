"""Command grammars from phrase templates and names (pure; the dictionary is a dict here)."""

from __future__ import annotations

import pytest

from wyoming_stt.grammar import (
    DEFAULT_TEMPLATES,
    build_grammar,
    number_words,
    resolve_pronunciation,
    spoken_form,
    tokenize_template,
)

# A few CMU dictionary entries (the real dictionary is used by the pocketsphinx tests).
DICTIONARY = {
    "turn": "T ER N",
    "on": "AA N",
    "off": "AO F",
    "the": "DH AH",
    "kitchen": "K IH CH AH N",
    "light": "L AY T",
    "lights": "L AY T S",
    "set": "S EH T",
    "a": "AH",
    "timer": "T AY M ER",
    "for": "F AO R",
    "five": "F AY V",
    "minutes": "M IH N AH T S",
    "what's": "W AH T S",
    "eco": "IY K OW",
    "bee": "B IY",
    "temperature": "T EH M P R AH CH ER",
    "of": "AH V",
}


def lookup(word: str) -> str | None:
    return DICTIONARY.get(word)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (20, "twenty"),
        (45, "forty five"),
        (100, "one hundred"),
        (250, "two hundred fifty"),
        (1001, "one thousand one"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_spoken_form() -> None:
    assert spoken_form("Set Kitchen brightness to 100 percent") == (
        "set kitchen brightness to one hundred percent"
    )
    assert spoken_form("What's the temp of the Ecobee?") == "what's the temp of the ecobee"
    assert spoken_form("Dim to 50%, please!") == "dim to fifty percent please"
    assert spoken_form("'quoted'  words") == "quoted words"


def test_tokenize_template_keeps_syntax() -> None:
    assert tokenize_template("turn (on | off) [the] {name} in 5") == [
        "turn", "(", "on", "|", "off", ")", "[", "the", "]", "{name}", "in", "five",
    ]  # fmt: skip


def test_compound_words_get_a_pronunciation() -> None:
    assert resolve_pronunciation("ecobee", lookup) == "IY K OW B IY"
    assert resolve_pronunciation("kitchen", lookup) == "K IH CH AH N"
    assert resolve_pronunciation("zzyzx", lookup) is None


def test_phrases_become_alternatives() -> None:
    grammar = build_grammar(
        ["Turn on the kitchen lights", "set a timer for 5 minutes", "what's the temperature"],
        [],
        lookup,
    )
    assert grammar is not None
    assert grammar.jsgf.splitlines()[:2] == ["#JSGF V1.0;", "grammar commands;"]
    assert (
        "public <command> = turn on the kitchen lights | set a timer for five minutes | "
        "what's the temperature;" in grammar.jsgf
    )
    assert (grammar.phrase_count, grammar.name_count, grammar.dropped_words) == (3, 0, ())


def test_names_fill_the_slot_and_unknown_words_are_dropped() -> None:
    grammar = build_grammar(
        ["turn (on | off) [the] {name}", "what's the temperature of the {name}", "zap {name}"],
        ["Kitchen Light", "Ecobee", "Zzyzx Lamp"],
        lookup,
    )
    assert grammar is not None
    assert "<name> = kitchen light | ecobee;" in grammar.jsgf
    assert "turn ( on | off ) [ the ] <name>" in grammar.jsgf
    assert "zap" not in grammar.jsgf
    assert grammar.new_words == {"ecobee": "IY K OW B IY"}
    assert grammar.dropped_words == ("lamp", "zap", "zzyzx")
    assert (grammar.phrase_count, grammar.name_count) == (2, 2)


def test_names_alone_use_the_default_templates() -> None:
    grammar = build_grammar([], ["kitchen light"], lookup)
    assert grammar is not None
    assert "turn ( on | off ) [ the ] <name>" in grammar.jsgf
    assert grammar.phrase_count <= len(DEFAULT_TEMPLATES)


def test_nothing_usable_means_no_grammar() -> None:
    assert build_grammar([], [], lookup) is None
    assert build_grammar(["turn on the {name}"], [], lookup) is None  # slot without names
    assert build_grammar(["turn (on the light"], [], lookup) is None  # unbalanced
    assert build_grammar(["# comment only", "   "], [], lookup) is None
