"""ha-setup and existing Wyoming entries: which it reuses, which it removes, which it leaves.

Removing an entry deletes its devices and entities, so only entries that Home Assistant shows
at the service's own host:port may go, and never the only loaded one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.ops.test_ha_setup import (
    SATELLITE_SELECT,
    TOKEN,
    add_by_hand,
    entries_for,
    ours,
    setup,
)
from tests.ops.wyoming_fakes import satellite_info, serve_info, stt_info


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    async with FakeHomeAssistant(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN, encoding="utf-8")
    return path


@pytest.fixture
async def stt() -> AsyncIterator[str]:
    async with serve_info(stt_info()) as uri:
        yield uri


@pytest.fixture
async def satellites() -> AsyncIterator[tuple[str, str]]:
    """Two satellites with the same name (Kitchen satellite) on two addresses."""
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serve_info(satellite_info()))
        second = await stack.enter_async_context(serve_info(satellite_info()))
        yield first, second


def args(hass: FakeHomeAssistant, token_file: Path, *services: str) -> list[str]:
    return ["--hass-url", hass.url, "--hass-token-file", str(token_file), *services]


def removed(steps: list[tuple[str, str]]) -> list[str]:
    return [subject for subject, outcome in steps if outcome == "removed"]


def disable(hass: FakeHomeAssistant, entry_id: str, state: str = "not_loaded") -> None:
    entry = next(e for e in hass.config_entries if e.entry_id == entry_id)
    entry.state = state
    entry.disabled_by = "user" if state == "not_loaded" else None


async def test_the_loaded_entry_is_kept_when_the_oldest_is_disabled(
    hass: FakeHomeAssistant, stt: str, token_file: Path
) -> None:
    oldest = await add_by_hand(hass, stt)
    working = await add_by_hand(hass, stt)
    disable(hass, oldest)

    report = await setup(args(hass, token_file, "--stt", stt))

    assert entries_for(hass, stt) == [working]
    assert removed(report.steps) == [
        f"duplicate Wyoming entry wyoming-voice-whisper ({oldest}) of {stt.removeprefix('tcp://')}"
    ]
    [pipeline] = ours(hass)
    assert pipeline["stt_engine"] == "stt.wyoming_voice_whisper_2"  # the kept entry's entity


async def test_no_entry_is_removed_when_none_is_loaded(
    hass: FakeHomeAssistant, stt: str, token_file: Path
) -> None:
    first = await add_by_hand(hass, stt)
    second = await add_by_hand(hass, stt)
    for entry_id in (first, second):
        disable(hass, entry_id, "setup_retry")

    report = await setup(args(hass, token_file, "--stt", stt))

    assert entries_for(hass, stt) == [first, second]
    assert not removed(report.steps)
    [note] = report.notes
    assert first in note and second in note and "none was removed" in note
    assert "Delete" in note  # how to do it by hand


async def test_same_name_on_two_addresses_are_two_satellites(
    hass: FakeHomeAssistant, satellites: tuple[str, str], token_file: Path
) -> None:
    first, second = satellites
    theirs = await add_by_hand(hass, second)  # another room's satellite, same name

    report = await setup(args(hass, token_file, "--satellite", first))

    assert entries_for(hass, second) == [theirs]
    assert len(entries_for(hass, first)) == 1
    assert not removed(report.steps) and not report.notes
    select = hass.house.get_state(SATELLITE_SELECT + "_2")  # ours came second
    assert select is not None and select.state == "wyoming-voice"


async def test_title_alone_never_removes_an_entry(
    hass: FakeHomeAssistant, satellites: tuple[str, str], token_file: Path
) -> None:
    """On a Home Assistant that does not show an entry's address (no reconfigure step), two
    entries titled like the satellite may be one satellite twice or two satellites."""
    first, second = satellites
    ours_id = await add_by_hand(hass, first)
    theirs = await add_by_hand(hass, second)
    hass.flows.supports_reconfigure = False

    report = await setup(args(hass, token_file, "--satellite", first))

    assert entries_for(hass, first) == [ours_id] and entries_for(hass, second) == [theirs]
    assert not removed(report.steps)
    assert report.steps[0][1] == "unchanged"  # reused by its title, nothing created
    taken, left = report.notes
    assert ours_id in taken and "title alone" in taken
    assert theirs in left and left.startswith("possible duplicate left alone")
    assert "Delete" in left
    assert f"note: {left}" in report.lines()


async def test_a_loaded_entry_is_preferred_among_same_titles(
    hass: FakeHomeAssistant, stt: str, token_file: Path
) -> None:
    broken = await add_by_hand(hass, stt)
    working = await add_by_hand(hass, stt)
    disable(hass, broken)
    hass.flows.supports_reconfigure = False

    report = await setup(args(hass, token_file, "--stt", stt))

    assert entries_for(hass, stt) == [broken, working]  # nothing removed without an address
    [pipeline] = ours(hass)
    assert pipeline["stt_engine"] == "stt.wyoming_voice_whisper_2"
    assert any(working in note and "title alone" in note for note in report.notes)
    assert any(broken in note and "left alone" in note for note in report.notes)
