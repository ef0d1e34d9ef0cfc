"""The --names-file format: plain lines (entity or area), `domain: Name`, `area: Name`."""

from __future__ import annotations

from pathlib import Path

import pytest

from wyoming_common.errors import EngineError
from wyoming_stt.names_file import parse_names, read_names_file


def test_lines_say_what_they_name() -> None:
    vocabulary = parse_names(
        ("light: Desk  Lamp", "Media Player:Sonos", "Area: Guest Room", "Porch Light", "TV: 2")
    )
    assert vocabulary.names == ("Desk Lamp", "Sonos", "Porch Light", "TV: 2")
    assert vocabulary.areas == ("Guest Room", "Porch Light", "TV: 2")
    assert vocabulary.domains == (("Desk Lamp", "light"), ("Sonos", "media_player"))
    # Whisper's prompt gets every name once, without the kinds.
    assert vocabulary.everything == ("Desk Lamp", "Sonos", "Porch Light", "TV: 2", "Guest Room")


def test_a_prefix_that_is_no_domain_is_a_warning_and_a_plain_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    vocabulary = parse_names(("mediaplayer: TV", "lights: Desk Lamp"))
    assert vocabulary.names == vocabulary.areas == ("mediaplayer: TV", "lights: Desk Lamp")
    assert vocabulary.domains == ()
    assert "'mediaplayer' is no Home Assistant domain" in caplog.text
    assert "'lights' is no Home Assistant domain" in caplog.text


def test_comments_blank_lines_and_repeats_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("# my house\nlight: Desk Lamp  # by the window\n\nlight: desk lamp\n")
    vocabulary = read_names_file(path)
    assert vocabulary.names == ("Desk Lamp",)
    assert vocabulary.domains == (("Desk Lamp", "light"),)


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="cannot read"):
        read_names_file(tmp_path / "missing.txt")
