"""bench stt's made clip sets: the tuning house shares nothing with the held-out one, every
command is one the built-in grammar can say, and one folder never holds two sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from wyoming_common.errors import WyomingVoiceError
from wyoming_stt.names_file import parse_names
from wyoming_voice.bench.stt_audio import (
    HELDOUT,
    TUNING,
    ClipSetSpec,
    build_clip_set,
    renditions,
)
from wyoming_voice.bench.stt_scoring import CommandSet


def _words(texts: tuple[str, ...]) -> set[str]:
    return {text.lower() for text in texts}


def test_the_tuning_set_shares_no_name_or_sentence_with_the_held_out_set() -> None:
    assert not _words(TUNING.house) & _words(HELDOUT.house)
    tuning = (*TUNING.commands, *TUNING.other, *TUNING.absent, *TUNING.chatter)
    heldout = (*HELDOUT.commands, *HELDOUT.other, *HELDOUT.absent, *HELDOUT.chatter)
    assert not _words(tuning) & _words(heldout)


@pytest.mark.parametrize("spec", [HELDOUT, TUNING], ids=lambda spec: spec.name)
def test_every_command_is_one_the_built_in_grammar_can_say(spec: ClipSetSpec) -> None:
    commands = CommandSet(parse_names(spec.names_file_lines))
    assert [c for c in spec.commands if not commands.accepts(c)] == []


def test_the_held_out_renditions_do_not_change() -> None:
    # The cached held-out audio is named after its renditions: a change would silently mix sets.
    names = [item.file_name for item in renditions(HELDOUT)]
    assert len(names) == 2 * 52
    assert names[:2] == [
        "turn_on_the_office_rgbw_lights_piper_ac923830.wav",
        "turn_on_the_office_rgbw_lights_espeak_33513e64.wav",
    ]
    assert not set(names) & {item.file_name for item in renditions(TUNING)}


def test_a_folder_holding_another_set_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".complete-heldout-v2").write_text("ok\n")
    with pytest.raises(WyomingVoiceError, match="holds another made set"):
        build_clip_set(tmp_path, tmp_path / "voice.onnx", tmp_path / "noise.wav", TUNING)
