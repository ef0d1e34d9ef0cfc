"""A command Whisper nearly wrote, taken when what it wrote is none (whisper/alternatives.py)."""

from __future__ import annotations

import pytest

from wyoming_stt.names_file import parse_names
from wyoming_stt.whisper.alternatives import MARGIN, choose
from wyoming_stt.whisper.command_snapping import CommandSnapper
from wyoming_stt.whisper.decoding import Hypothesis
from wyoming_stt.whisper.snapping import NameSnapper

HOUSE = parse_names(
    (
        "light: Standing Light", "light: Living Room Lamp", "lock: Front Door",
        "media_player: TV", "area: Bedroom", "area: Kitchen",
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def commands() -> CommandSnapper:
    return CommandSnapper(HOUSE)


def pick(commands: CommandSnapper, *hypotheses: tuple[str, float]) -> str:
    names = NameSnapper(HOUSE.everything)
    return choose(
        [Hypothesis(text, score) for text, score in hypotheses],
        lambda said: commands.snap(names.snap(said)),
        commands.is_command,
    )


@pytest.mark.parametrize(
    ("hypotheses", "taken"),
    [
        (
            (("To not a Standing Light.", -0.80), ("Turn off the Standing Light.", -0.85)),
            "Turn off the Standing Light.",
        ),
        (
            (("Is the Front Door Lock?", -0.39), ("Is the Front Door Locked?", -0.44)),
            "Is the Front Door Locked?",
        ),
        (  # the first command among the others, in score order
            (
                ("Turn on the lights in the mirror room.", -0.50),
                ("Turn on the lights in the mirror room!", -0.52),
                ("Turn on the lights in the bedroom.", -0.55),
                ("Turn on the lights in the kitchen.", -0.56),
            ),
            "Turn on the lights in the bedroom.",
        ),
        (  # an alternative counts as a command once its names and first word are snapped
            (("Timberliving Room Lamp.", -0.30), ("Tim the living room lamb.", -0.35)),
            "Dim the Living Room Lamp.",
        ),
    ],
)
def test_a_command_scored_nearly_as_well_replaces_a_best_that_is_none(
    commands: CommandSnapper, hypotheses: tuple[tuple[str, float], ...], taken: str
) -> None:
    assert pick(commands, *hypotheses) == taken


@pytest.mark.parametrize(
    "hypotheses",
    [
        # the best is a command: never exchanged for another one
        (("Turn on the TV.", -0.5), ("Turn off the TV.", -0.5)),
        # the command is scored too far below
        (
            ("To not a Standing Light.", -0.5),
            ("Turn off the Standing Light.", -0.5 - MARGIN - 0.01),
        ),
        # no other is a command
        (("Tell me a joke.", -0.3), ("Tell me a joke!", -0.31), ("Tell me the joke.", -0.35)),
        # a device the house lacks stays as said
        (("Turn on the sauna.", -0.4), ("Turn on the sauna!", -0.41)),
    ],
)
def test_otherwise_the_best_is_kept(
    commands: CommandSnapper, hypotheses: tuple[tuple[str, float], ...]
) -> None:
    assert pick(commands, *hypotheses) == commands.snap(hypotheses[0][0])


def test_no_speech_stays_empty_and_without_a_grammar_the_best_is_kept(
    commands: CommandSnapper,
) -> None:
    assert pick(commands) == ""
    alternatives = [Hypothesis("Mach das Licht an.", -0.4), Hypothesis("Turn on the TV.", -0.41)]
    assert choose(alternatives, str.strip, None) == "Mach das Licht an."


def test_a_command_is_a_phrase_of_the_grammar(commands: CommandSnapper) -> None:
    assert commands.is_command("Is the Front Door locked?")
    assert commands.is_command("turn on the lights in the bedroom")
    assert not commands.is_command("Is the Front Door Lock?")
    assert not commands.is_command("")
    assert not commands.is_command("dim the front door")  # dim takes lights only
