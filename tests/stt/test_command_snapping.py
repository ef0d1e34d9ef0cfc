"""A misheard first word of a command snapped to the grammar's (whisper/command_snapping.py)."""

from __future__ import annotations

import pytest

from wyoming_stt.engines import Vocabulary
from wyoming_stt.names_file import parse_names
from wyoming_stt.whisper.command_snapping import CommandSnapper, sounds_alike

HOUSE = parse_names(
    (
        "light: Living Room Lamp", "media_player: TV", "lock: Front Door", "cover: Garage Door",
        "light: Kitchen Lights", "climate: EcoBee", "area: Kitchen", "area: Garage",
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def snapper() -> CommandSnapper:
    return CommandSnapper(HOUSE)


@pytest.mark.parametrize(
    ("heard", "snapped"),
    [
        ("Tim the Living Room Lamp.", "Dim the Living Room Lamp."),
        ("Pass the TV.", "Pause the TV."),
        ("Block the Front Door.", "Lock the Front Door."),
        ("It's the front door unlocked?", "Is the front door unlocked?"),
        ("bim the kitchen lights", "dim the kitchen lights"),
    ],
)
def test_a_misheard_verb_becomes_the_one_command_that_fits(
    snapper: CommandSnapper, heard: str, snapped: str
) -> None:
    assert snapper.snap(heard) == snapped


@pytest.mark.parametrize(
    "heard",
    [
        "Turn on the Living Room Lamp.",  # already a command
        "Lock the shed.",  # a device the house lacks stays as said (not "lock the shade")
        "Turn on the sauna.",
        "Pass the salt.",  # the rest is no command: nothing fits
        "Tim the front door.",  # "dim" takes lights only: the Front Door is a lock
        "Close the Front Door.",  # a grammar word is never replaced, even where it cannot act
        "Dim the Living Room Lamb.",  # only the first word: names are the name snapper's
        "What a lovely day.",
        "",
        "50%",
    ],
)
def test_everything_else_is_left_as_heard(snapper: CommandSnapper, heard: str) -> None:
    assert snapper.snap(heard) == heard


def test_sounding_alike_needs_the_same_sound_key_or_a_one_letter_slip() -> None:
    assert sounds_alike("pass", "pause")  # same key, two letters
    assert sounds_alike("tim", "dim")  # keys one apart, one letter
    assert not sounds_alike("on", "off")  # keys one apart, two letters
    assert not sounds_alike("zoom", "resume")


def test_without_names_the_generic_words_make_the_commands() -> None:
    assert CommandSnapper(Vocabulary()).snap("Pass the TV") == "Pause the TV"


def test_no_snap_changes_a_correct_transcript_of_the_benchmark_sets() -> None:
    from tests.support.services import command_transcripts
    from wyoming_voice.bench.stt import HOUSE as BENCH_HOUSE
    from wyoming_voice.bench.stt_audio import MADE_SETS

    references = [text for _wav, text in command_transcripts()]
    for spec in MADE_SETS.values():
        snapper = CommandSnapper(parse_names((*BENCH_HOUSE, *spec.names_file_lines)))
        sentences = (*references, *spec.commands, *spec.other, *spec.absent, *spec.chatter)
        assert [s for s in sentences if snapper.snap(s) != s] == []
