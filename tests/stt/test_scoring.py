"""bench stt's scoring: which wrong transcripts are other commands, and which ask something else."""

from __future__ import annotations

from wyoming_voice.bench.stt_scoring import (
    EMPTY,
    EXACT,
    FALSE_COMMAND,
    CommandSet,
    asks_something_else,
    score,
    summarise,
)

COMMANDS = CommandSet(("Kitchen Lights", "Sliding Door"))


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
        "pause the sliding door",  # another valid command, another request
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
