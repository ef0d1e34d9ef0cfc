"""Sentence boundaries over text that arrives in arbitrary fragments."""

from __future__ import annotations

import pytest

from wyoming_tts.sentences import SentenceSplitter, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Turn on the light. Done!", ["Turn on the light.", "Done!"]),
        ("Is it on? Yes! Good.", ["Is it on?", "Yes!", "Good."]),
        ("It is 3.5 degrees. Nice.", ["It is 3.5 degrees.", "Nice."]),
        ("Dr. Smith and Mrs. Jones are here. Hi.", ["Dr. Smith and Mrs. Jones are here.", "Hi."]),
        ("Use e.g. the lamp. Or not.", ["Use e.g. the lamp.", "Or not."]),
        ("J. R. R. Tolkien wrote it. Yes.", ["J. R. R. Tolkien wrote it.", "Yes."]),
        ("The U.S. Army called. Really.", ["The U.S. Army called.", "Really."]),
        ("It costs $4.50. Okay.", ["It costs $4.50.", "Okay."]),
        ("Visit example.com now. Bye.", ["Visit example.com now.", "Bye."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("Well... maybe. Hmm?! Sure.", ["Well... maybe.", "Hmm?!", "Sure."]),
        ("**Done!** The light is *on.* Bye.", ["**Done!**", "The light is *on.*", "Bye."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("1. Turn on\n2. Turn off", ["1. Turn on", "2. Turn off"]),
        ("No ending punctuation", ["No ending punctuation"]),
        ("你好。再见\uff01", ["你好。", "再见\uff01"]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_fragments_give_the_same_sentences(size: int) -> None:
    text = "It's 21.5 degrees. Dr. Who said hi! Next: the U.S. Army. Done."
    splitter = SentenceSplitter()
    got: list[str] = []
    for start in range(0, len(text), size):
        got += splitter.feed(text[start : start + size])
    got += splitter.flush()
    assert got == split_sentences(text)
    assert len(got) == 4


def test_sentence_is_released_as_soon_as_the_next_word_starts() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("Done") == []
    assert splitter.feed(".") == []  # could be 3.5 or Dr.
    assert splitter.feed(" ") == []  # could be "e.g. this"
    assert splitter.feed("T") == ["Done."]
    assert splitter.pending == "T"
    assert splitter.feed("hen!\n") == ["Then!"]
    assert splitter.flush() == []


def test_decimal_split_across_fragments_stays_whole() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("It is 21.") == []
    assert splitter.feed("5 degrees. W") == ["It is 21.5 degrees."]
    assert splitter.flush() == ["W"]


def test_overlong_sentence_is_cut_at_a_comma() -> None:
    text = "word " * 30 + "then, " + "more " * 60
    splitter = SentenceSplitter(max_chars=200)
    pieces = splitter.feed(text) + splitter.flush()
    assert len(pieces) >= 2
    assert pieces[0].endswith("then,")
    assert all(len(piece) <= 200 for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def _streamed(text: str, size: int) -> list[list[str]]:
    """What a first-clause splitter hands out, fed `size` characters at a time."""
    splitter = SentenceSplitter(first_clause=True)
    batches = [splitter.feed(text[start : start + size]) for start in range(0, len(text), size)]
    return [batch for batch in [*batches, splitter.flush()] if batch]


@pytest.mark.parametrize("size", [1, 3, 7, 200])
def test_a_stream_speaks_its_first_clause_before_the_sentence_ends(size: int) -> None:
    text = "The sky looks blue on a clear day, as air bends blue light the most. Bye."
    batches = _streamed(text, size)
    pieces = [piece for batch in batches for piece in batch]
    if size < len(text):
        assert batches[0] == ["The sky looks blue on a clear day,"]
    assert " ".join(pieces).split() == text.split()


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Sure, the kitchen light is on now. Bye.", "Sure, the kitchen light is on now."),
        ("It costs 1,000 dollars in total today. Bye.", "It costs 1,000 dollars in total today."),
        ("It is 3:30 in the afternoon here. Bye.", "It is 3:30 in the afternoon here."),
        ("Salt and pepper and a little butter. Bye.", "Salt and pepper and a little butter."),
        ("But it is raining outside today. Bye.", "But it is raining outside today."),
    ],
)
def test_a_short_or_numeric_first_clause_waits_for_its_sentence(text: str, first: str) -> None:
    assert _streamed(text, 2)[0] == [first]


@pytest.mark.parametrize("size", [1, 5, 200])
def test_a_stream_speaks_up_to_a_word_that_starts_a_clause(size: int) -> None:
    text = "The sky is blue because air scatters blue light most. Yes."
    batches = _streamed(text, size)
    if size < len(text):
        assert batches[0] == ["The sky is blue"]
    assert " ".join(p for batch in batches for p in batch).split() == text.split()


def test_only_the_first_clause_is_handed_out_early() -> None:
    text = "Paris is the capital of France. It lies on the Seine, which flows to the sea. Yes."
    pieces = [piece for batch in _streamed(text, 2) for piece in batch]
    assert pieces == [
        "Paris is the capital of France.",
        "It lies on the Seine, which flows to the sea.",
        "Yes.",
    ]


def test_whole_texts_are_split_at_sentences_only() -> None:
    text = "The sky looks blue because of Rayleigh scattering, which bends blue light."
    assert split_sentences(text) == [text]
