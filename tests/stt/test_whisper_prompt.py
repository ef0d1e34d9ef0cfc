"""The names Whisper is prompted with (whisper/prompt.py)."""

from __future__ import annotations

import re

from wyoming_stt.whisper.decoding import MAX_PROMPT_TOKENS
from wyoming_stt.whisper.prompt import prompt_items, prompt_names, whisper_prompt

COMMON = ("Kitchen Lights", "Front Door", "Bedroom", "Garage Door", "Office Fan", "Kitchen")
UNCOMMON = ("EcoBee", "Office RGBW Lights", "HVAC")


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: a token per word and per punctuation mark, two for a word with
    a capital inside or all in capitals (the words a real one splits)."""
    words = re.findall(r"[A-Za-z]+", text)
    split = sum(1 for w in words if len(w) > 1 and (w.isupper() or not w[1:].islower()))
    return len(words) + split + len(re.findall(r"[,.]", text))


def tokens_of(names: tuple[str, ...]) -> int:
    return count_tokens(" " + whisper_prompt(names))


def test_every_name_in_the_order_given_when_all_fit() -> None:
    names = (*COMMON, *UNCOMMON, "kitchen lights")
    assert prompt_names(names, count_tokens) == (*COMMON, *UNCOMMON)  # duplicates once
    assert prompt_names((), count_tokens) == ()
    assert whisper_prompt(()) == ""


def test_when_they_do_not_fit_the_uncommon_names_are_kept_first() -> None:
    names = (*COMMON, *UNCOMMON)
    budget = tokens_of(names) - 3
    held = prompt_names(names, count_tokens, budget)
    assert set(UNCOMMON) <= set(held) and len(held) < len(names)
    assert tokens_of(held) <= budget
    assert held == tuple(name for name in names if name in held)  # still in the given order
    assert prompt_names(names, count_tokens, tokens_of(UNCOMMON)) == UNCOMMON


def test_a_big_house_never_exceeds_whispers_prompt_limit() -> None:
    names = tuple(f"Room {n} Lamp" for n in ("One", "Two", "Three", "Four", "Five") * 20)
    many = (*{name + str(i): None for i, name in enumerate(names)}, *UNCOMMON)
    held = prompt_names(many, count_tokens)
    assert tokens_of(held) <= MAX_PROMPT_TOKENS < tokens_of(tuple(many))
    assert set(UNCOMMON) <= set(held)


def test_the_prompt_text_gives_its_names_back() -> None:
    names = ("Kitchen Lights", "Kitchen", "Standing Light", "Office", "New York")
    assert whisper_prompt(names) == "Kitchen Lights, Kitchen, Standing Light, Office, New York."
    assert prompt_items(whisper_prompt(names)) == names
