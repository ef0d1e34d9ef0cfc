"""wyoming_common.speech_text: what a language model writes, turned into what a voice says."""

from __future__ import annotations

import pytest

from wyoming_common.speech_text import (
    SpeechStream,
    clean_for_speech,
    count_sentences,
    join_names,
    normalize_symbols,
    spoken_number,
    spoken_quantity,
    strip_emoji,
    strip_markdown,
)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("It's 21.5°C outside.", "It's 21.5 degrees Celsius outside."),
        ("It is -5 °C, or 23°F.", "It is minus 5 degrees Celsius, or 23 degrees Fahrenheit."),
        ("Set it to 1°C.", "Set it to 1 degree Celsius."),
        ("Now 22.0℃", "Now 22.0 degrees Celsius"),
        ("Turn it 90° left", "Turn it 90 degrees left"),
        ("Humidity is 50%.", "Humidity is 50 percent."),
        ("I'm 100 % sure", "I'm 100 percent sure"),
        ("Tom & Jerry", "Tom and Jerry"),
        ("Speed: 50 km/h, wind 12 mph", "Speed: 50 kilometers per hour, wind 12 miles per hour"),
        ("Using 1 kWh and 100 W", "Using 1 kilowatt hour and 100 watts"),
        ("1 kg, 2 lbs, 3 ft, 1 m", "1 kilogram, 2 pounds, 3 feet, 1 meter"),
        ("Pressure 1013 hPa", "Pressure 1013 hectopascals"),
        ("Wait 9 h and 30 min", "Wait 9 hours and 30 minutes"),
        ("Costs $4.50", "Costs 4 dollars and 50 cents"),
        ("Costs 3€ or £1", "Costs 3 euros or 1 pound"),
        ("Give it 5-10 minutes", "Give it 5 to 10 minutes"),
        ("On 2024-05-01 call 555-1234", "On 2024-05-01 call 555-1234"),
        ("#5 on the list", "number 5 on the list"),
        ("~20 people", "about 20 people"),
        ("2 + 2 = 4", "2 plus 2 equals 4"),
        ("A 1920x1080 screen", "A 1920 by 1080 screen"),
        ("lights on/off", "lights on or off"),
        ("this and/or that", "this and or that"),
        ("version 1.5.2 at 10:30", "version 1.5.2 at 10:30"),
        ("5 minutes in 2 months", "5 minutes in 2 months"),  # units never eat words
    ],
)
def test_numbers_units_symbols(text: str, spoken: str) -> None:
    assert clean_for_speech(text) == spoken


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("**Bold** and __strong__", "Bold and strong"),
        ("*italic* and _emphasis_", "italic and emphasis"),
        ("Use `code` here", "Use code here"),
        ("~~old~~ new", "old new"),
        ("# Weather today", "Weather today"),
        ("### Step two", "Step two"),
        ("- kitchen light", "kitchen light"),
        ("* hallway", "hallway"),
        ("1. First step", "First step"),
        ("> quoted", "quoted"),
        ("See [the docs](https://example.com/a/b).", "See the docs."),
        ("![a lamp](lamp.png)", "a lamp"),
        ("Go to https://www.home-assistant.io/docs/", "Go to home-assistant.io"),
        ("| Room | Temp |", "Room, Temp"),
        ("line<br>break", "line break"),
        ("snake_case_name", "snake case name"),
        ("---", ""),
        ("```python", ""),
    ],
)
def test_markdown_is_stripped(text: str, plain: str) -> None:
    assert clean_for_speech(text) == plain


def test_whole_llm_reply() -> None:
    reply = (
        "## Status 🏠\n"
        "- **Kitchen**: 21.5°C, humidity 40%\n"
        "- **Office** lights are *on* 💡\n\n"
        "Let me know & I'll help! 😊👍🏽"
    )
    assert clean_for_speech(reply) == (
        "Status Kitchen: 21.5 degrees Celsius, humidity 40 percent "
        "Office lights are on Let me know and I'll help!"
    )


@pytest.mark.parametrize("text", ["🙂", "👍🏽🎉", "1️⃣", "🇺🇸", "👨‍👩‍👧", "⭐✅", "™®©"])
def test_emoji_are_removed(text: str) -> None:
    assert strip_emoji(text).strip() in ("", "1")


def test_nothing_speakable_gives_empty() -> None:
    assert clean_for_speech("**  ** 🙂 ---") == ""
    assert clean_for_speech("   ") == ""


def test_plain_text_is_unchanged() -> None:
    text = "OK, turned on the kitchen light."
    assert strip_markdown(text) == text
    assert normalize_symbols(text) == text
    assert clean_for_speech(text) == text


def test_values_for_the_ear() -> None:
    assert spoken_number(21.0) == "21" and spoken_number("21.50") == "21.5"
    assert spoken_number(0.333333) == "0.33" and spoken_number("on") == "on"
    assert spoken_quantity("22.1", "°C") == "22.1 degrees"
    assert spoken_quantity(62, "%") == "62 percent" and spoken_quantity(3, None) == "3"
    assert spoken_quantity(5, "furlongs") == "5 furlongs"
    assert join_names(["A", "B", "C"]) == "A, B and C" and join_names(["A"]) == "A"
    assert count_sentences("One. Two? e.g. three! 3.5") == 4


def test_speech_stream_releases_clean_words_and_stops_after_max_sentences() -> None:
    stream = SpeechStream(max_sentences=2)
    out = [
        stream.feed(piece) for piece in ["The ", "sky is ", "blue. It ", "is **big**. And more. "]
    ]
    out.append(stream.finish())
    assert "".join(out) == "The sky is blue. It is big." and stream.full
    assert stream.text == "The sky is blue. It is big."
    assert stream.feed("Ignored now. ") == ""


def test_speech_stream_spells_out_what_the_model_writes() -> None:
    stream = SpeechStream(max_sentences=3)
    pieces = ["It is ", "21.5°C ", "in the *kitchen* 🙂", " and 40% humid."]
    spoken = "".join(stream.feed(piece) for piece in pieces) + stream.finish()
    assert spoken == "It is 21.5 degrees Celsius in the kitchen and 40 percent humid."


@pytest.mark.parametrize("size", [1, 4, 9, 200])
def test_speech_stream_keeps_commas_and_colons_between_pieces(size: int) -> None:
    # Streamed word by word, a piece ending in "routine," must keep its comma: the voice
    # pauses there, and the TTS may start speaking at it.
    text = "Sure! Here's a tip: try a routine, such as reading; then sleep."
    stream = SpeechStream(max_sentences=3)
    pieces = [stream.feed(text[start : start + size]) for start in range(0, len(text), size)]
    assert "".join(pieces) + stream.finish() == text
