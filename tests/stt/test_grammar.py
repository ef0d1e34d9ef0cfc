"""Command grammars from phrase templates and names (pure; the dictionary is a dict here)."""

from __future__ import annotations

import pytest

from wyoming_stt.pocketsphinx.grammar import (
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
    "in": "IH N",
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
    assert tokenize_template("Turn (on | off) [the] {name} in {Area} <the> 5") == [
        "turn", "(", "on", "|", "off", ")", "[", "the", "]", "{name}", "in", "{area}",
        "<the>", "five",
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
    for phrase in (
        "turn on the kitchen lights",
        "set a timer for 5 minutes",
        "What's the temperature?",
    ):
        assert grammar.accepts(phrase)
    assert not grammar.accepts("turn on the kitchen")
    assert not grammar.accepts("turn on the kitchen lights lights")
    assert (grammar.phrase_count, grammar.name_count, grammar.dropped_words) == (3, 0, ())


def test_names_fill_the_slot_and_unknown_words_are_dropped() -> None:
    grammar = build_grammar(
        ["turn (on | off) [the] {name}", "what's the temperature of the {name}", "zap {name}"],
        ["Kitchen Light", "Ecobee", "Zzyzx Lamp"],
        lookup,
    )
    assert grammar is not None
    for phrase in (
        "turn on the kitchen light",
        "turn off ecobee",
        "what's the temperature of the ecobee",
    ):
        assert grammar.accepts(phrase)
    assert not grammar.accepts("zap ecobee")
    assert grammar.new_words == {"ecobee": "IY K OW B IY"}
    assert grammar.dropped_words == ("lamp", "zap", "zzyzx")
    assert (grammar.phrase_count, grammar.name_count, grammar.area_count) == (2, 2, 0)


def test_area_and_number_slots() -> None:
    grammar = build_grammar(
        ["turn on the lights [in the {area}]", "set a timer for {number} minutes"],
        ["Ecobee"],
        lookup,
        areas=["Kitchen"],
    )
    assert grammar is not None
    assert grammar.accepts("turn on the lights in the kitchen")
    assert grammar.accepts("turn on the lights")
    assert not grammar.accepts("turn on the lights in the ecobee")  # names are not areas
    assert grammar.accepts("set a timer for 0 minutes")
    assert grammar.accepts("set a timer for seventy five minutes")
    assert grammar.accepts("set a timer for 100 minutes")
    assert not grammar.accepts("set a timer for 101 minutes")
    assert (grammar.name_count, grammar.area_count) == (0, 1)


def test_rules_are_defined_once_and_used_anywhere() -> None:
    grammar = build_grammar(
        [
            "<state> = on | off",
            "turn <state> [<the>] {name}",
            "<the> = the | a",
            "<bad> = (on | off",
            "turn <bad> {name}",
            "turn <undefined> {name}",
            "<loop> = turn [<loop>]",
            "<loop>",
        ],
        ["kitchen light"],
        lookup,
    )
    assert grammar is not None
    assert grammar.accepts("turn on a kitchen light")
    assert grammar.accepts("turn off kitchen light")
    assert grammar.phrase_count == 1
    assert [p.split(" (")[0] for p in grammar.skipped_phrases] == [
        "turn <bad> {name}",
        "turn <undefined> {name}",
        "<loop>",
    ]
    assert "undefined rule <undefined>" in grammar.skipped_phrases[1]


def test_unsayable_optional_parts_and_alternatives_are_left_out() -> None:
    grammar = build_grammar(
        ["turn on the (light | zzyzx) [in the {area}] [zap]"], [], lookup, areas=[]
    )
    assert grammar is not None
    assert grammar.accepts("turn on the light")
    assert not grammar.accepts("turn on the zzyzx")
    assert grammar.dropped_words == ("zap", "zzyzx")


def test_phrases_share_their_states() -> None:
    """Determinised and minimised: the name list exists once however often it is used."""
    names = [f"kitchen {number_words(n)}" for n in range(1, 11)]
    lookup_numbers = {**DICTIONARY, **{number_words(n): "W AH N" for n in range(1, 11)}}
    grammar = build_grammar(
        ["turn (on | off) [the] {name}", "turn [the] {name} (on | off)"],
        names,
        lookup_numbers.get,
    )
    assert grammar is not None
    assert grammar.accepts("turn the kitchen ten off")
    assert grammar.accepts("turn on kitchen two")
    # pocketsphinx's JSGF compiler would copy the ten names into each of the four places.
    assert grammar.graph.state_count == 10


def test_nothing_usable_means_no_grammar() -> None:
    assert build_grammar([], [], lookup) is None
    assert build_grammar(["turn on the {name}"], [], lookup) is None  # slot without names
    assert build_grammar(["turn (on the light"], [], lookup) is None  # unbalanced
    assert build_grammar(["turn ( | on) the light"], [], lookup) is None  # empty alternative
    assert build_grammar(["# comment only", "   "], [], lookup) is None
    assert build_grammar(["turn on the {thing}"], ["light"], lookup) is None  # unknown slot


def test_typed_slots_take_only_the_names_of_their_domains() -> None:
    """As in Home Assistant's sentences, a verb names only what it acts on: a light is not
    opened, a sensor not switched, an area (not also a name) is no device at all."""
    words = ("open", "close", "dim", "kitchen", "light", "door", "garage", "hall", "temperature")
    say = {**DICTIONARY, **{w: "AH" for w in words}}
    grammar = build_grammar(
        [
            "turn (on | off) the {on_off}",
            "(open | close) the {cover}",
            "dim the {light}",
            "what's the {name}",
        ],
        ["kitchen light", "garage door", "hall temperature", "the door"],
        say.get,
        areas=["kitchen"],
        domains=[
            ("Kitchen Light", "light"),
            ("Garage Door", "cover"),
            ("Hall Temperature", "sensor"),
        ],
    )
    assert grammar is not None
    for phrase in (
        "turn on the kitchen light",
        "open the garage door",
        "dim the kitchen light",
        "what's the hall temperature",
        "what's the kitchen",  # {name} takes the areas too
        "open the the door",  # no domain known: every slot
        "dim the the door",
    ):
        assert grammar.accepts(phrase), phrase
    for phrase in (
        "open the kitchen light",
        "dim the garage door",
        "turn off the garage door",  # a cover opens and closes
        "turn on the hall temperature",
        "turn on the kitchen",
    ):
        assert not grammar.accepts(phrase), phrase
    assert grammar.name_count == 4


def test_a_name_of_two_domains_fills_the_slots_of_both() -> None:
    say = {**DICTIONARY, "open": "AH", "patio": "AH", "door": "AH", "lock": "AH"}
    grammar = build_grammar(
        ["open the {cover}", "lock the {lock}"],
        ["patio door"],
        say.get,
        domains=[("Patio Door", "lock"), ("Patio Door", "cover")],
    )
    assert grammar is not None
    assert grammar.accepts("open the patio door") and grammar.accepts("lock the patio door")
