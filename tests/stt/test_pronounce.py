# ruff: noqa: RUF001 - IPA symbols
"""Every name gets a pronunciation: dictionary, parts, letters for acronyms, espeak-ng."""

from __future__ import annotations

import shutil

import pytest

from wyoming_stt.pocketsphinx.grammar import build_grammar
from wyoming_stt.pocketsphinx.pronounce import (
    Pronouncer,
    acronyms,
    espeak_phones,
    ipa_to_cmu,
    spelled,
)

DICTIONARY = {
    "turn": "T ER N", "on": "AA N", "off": "AO F", "the": "DH AH", "office": "AO F AH S",
    "lights": "L AY T S", "eco": "IY K OW", "bee": "B IY", "mood": "M UW D",
}  # fmt: skip


def test_ipa_maps_to_cmu_phones() -> None:
    assert ipa_to_cmu("ˈɛkoʊbˌiː") == "EH K OW B IY"
    assert ipa_to_cmu("ˈeɪtʃvˈæk") == "EY CH V AE K"
    assert ipa_to_cmu("mˈuːd lˈaɪɾɪŋ") == "M UW D L AY T IH NG"
    assert ipa_to_cmu("ʘ") is None


def test_acronyms_are_spelled() -> None:
    assert acronyms(["Office RGBW Lights", "HVAC", "EcoBee", "TV", "A"]) == {"rgbw", "hvac", "tv"}
    assert spelled("rgbw") == "AA R JH IY B IY D AH B AH L Y UW"
    assert spelled("r2") is None


def test_pronouncer_order_and_log() -> None:
    readings = {"hvac": "EY CH V AE K", "zigbee": "Z IH G B IY"}
    pronouncer = Pronouncer(DICTIONARY.get, frozenset({"hvac", "rgbw"}), readings.get)
    assert pronouncer.derive("rgbw") == spelled("rgbw")
    assert pronouncer.derive("hvac") == "EY CH V IY EY S IY"
    assert pronouncer.alternatives == {"hvac(2)": "EY CH V AE K"}
    assert pronouncer.derive("ecobee") == "IY K OW B IY"
    assert pronouncer.derive("zigbee") == "Z IH G B IY"
    assert pronouncer.derive("qqq") is None
    assert pronouncer.derived == {
        "rgbw": "letters",
        "hvac": "letters + espeak-ng",
        "ecobee": "dictionary parts",
        "zigbee": "espeak-ng",
    }


def test_no_name_is_dropped_from_the_grammar() -> None:
    pronouncer = Pronouncer(DICTIONARY.get, acronyms(["Office RGBW Lights"]), lambda word: None)
    grammar = build_grammar(
        ["(turn) (on | off) [the] {name}"],
        ["Office RGBW Lights", "EcoBee"],
        DICTIONARY.get,
        derive=pronouncer.derive,
    )
    assert grammar is not None and grammar.dropped_words == ()
    assert grammar.accepts("turn on the office rgbw lights")
    assert set(grammar.new_words) == {"rgbw", "ecobee"}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_reading_of_an_unknown_word() -> None:
    assert espeak_phones("nanoleaf") == "N AE N OW L IY F"
