"""bench stt's scoring: which wrong transcripts are other commands, and which ask something else."""

from __future__ import annotations

from wyoming_stt.names_file import parse_names
from wyoming_voice.bench.stt_scoring import (
    EMPTY,
    EXACT,
    FALSE_COMMAND,
    OTHER_WORDS,
    CommandSet,
    asks_something_else,
    score,
    summarise,
)

COMMANDS = CommandSet(parse_names(("light: Kitchen Lights", "cover: Sliding Door", "Office")))


def test_a_false_command_that_only_changes_an_article_asks_the_same() -> None:
    clips = [
        ("a", "cancel the timer", "command"),
        ("b", "close the Sliding Door", "command"),
        ("c", "turn on the Kitchen Lights", "command"),
        ("d", "what is the capital of France", "other"),
        ("e", "turn off the Kitchen Lights", "command"),
    ]
    heard = [
        "cancel that timer",  # another valid command, same request
        "open the sliding door",  # another valid command, another request
        "turn on the kitchen lights",  # right
        "turn on the kitchen lights",  # a non-command heard as a command
        "",  # rejected
    ]
    results = score(clips, heard, COMMANDS)
    assert [r.outcome for r in results] == [
        FALSE_COMMAND, FALSE_COMMAND, EXACT, FALSE_COMMAND, EMPTY
    ]  # fmt: skip
    assert [asks_something_else(r) for r in results] == [False, True, False, True, False]
    accuracy = summarise(results)
    assert accuracy.false_commands == 3 and accuracy.other_requests == 2
    assert accuracy.wrong_empty_share == 0.25


def test_a_device_the_house_lacks_heard_in_other_words_asks_the_same() -> None:
    clips = [
        ("a", "turn on the Garage Lights", "absent"),
        ("b", "turn on the Garage Lights", "absent"),
    ]
    heard = ["turn on the office light", "turn on the kitchen lights"]
    results = score(clips, heard, CommandSet(parse_names(("light: Kitchen Lights", "Office"))))
    assert [r.outcome for r in results] == [FALSE_COMMAND, FALSE_COMMAND]
    assert [asks_something_else(r) for r in results] == [True, True]
    garage = score(
        [("c", "turn on the Garage Lights", "absent")],
        ["turn on the garage light"],
        CommandSet(parse_names(("light: Kitchen Lights", "area: Garage"))),
    )
    assert garage[0].outcome == FALSE_COMMAND and not asks_something_else(garage[0])


def test_a_verb_for_another_kind_of_device_is_not_a_command() -> None:
    # As in Home Assistant's sentences: "open" takes covers, "pause" media players.
    assert COMMANDS.accepts("close the sliding door")
    assert COMMANDS.accepts("turn off the kitchen lights")
    assert COMMANDS.accepts("set the kitchen lights to blue")
    assert not COMMANDS.accepts("open the kitchen lights")
    assert not COMMANDS.accepts("pause the sliding door")
    assert not COMMANDS.accepts("set the sliding door to blue")
    # A plain line's kind is unknown: every verb may name it.
    assert COMMANDS.accepts("open the office") and COMMANDS.accepts("dim the office")
    results = score(
        [("a", "close the Sliding Door", "command")], ["pause the sliding door"], COMMANDS
    )
    assert results[0].outcome == OTHER_WORDS
