"""`wyoming-voice ha-setup` against the fake Home Assistant and real Wyoming services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from homeassistant_config.errors import SetupError
from homeassistant_config.ha_setup import build_parser, build_settings, main, run_setup
from homeassistant_config.provision import SetupReport
from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from tests.ops.wyoming_fakes import (
    agent_info,
    satellite_info,
    serve_info,
    silent_server,
    stt_info,
    tts_info,
)
from wyoming_common.discovery import DiscoveredService

TOKEN = "long-lived-secret"
PIPELINE_NAME = "wyoming-voice"
SATELLITE_SELECT = "select.kitchen_satellite_assistant"


@dataclass
class Stack:
    """URIs of the four running services."""

    stt: str
    tts: str
    agent: str
    satellite: str


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    async with contextlib.AsyncExitStack() as stack:
        uris = [
            await stack.enter_async_context(serve_info(info))
            for info in (stt_info(), tts_info(), agent_info(), satellite_info())
        ]
        yield Stack(*uris)


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    async with FakeHomeAssistant(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


def argv(hass_url: str, token_file: Path, stack: Stack | None, *extra: str) -> list[str]:
    args = ["--hass-url", hass_url, "--hass-token-file", str(token_file), "--timeout", "5"]
    if stack is not None:
        args += ["--stt", stack.stt, "--tts", stack.tts, "--agent", stack.agent]
        args += ["--satellite", stack.satellite]
    return [*args, *extra]


async def setup(args: list[str]) -> SetupReport:
    parser = build_parser("ha-setup")
    settings = build_settings(parser.parse_args(args), parser)
    async with asyncio.timeout(30):
        return await run_setup(settings)


def ours(hass: FakeHomeAssistant) -> list[dict[str, Any]]:
    return [p for p in hass.pipelines.all() if p["name"] == PIPELINE_NAME]


async def test_creates_entries_pipeline_satellite_and_exposure(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    args = argv(
        hass.url,
        token_file,
        stack,
        "--prefer-local-intents",
        "--set-preferred",
        "--expose",
        "switch.coffee_maker",
    )
    assert not hass.house.is_exposed("switch.coffee_maker")

    report = await setup(args)

    titles = sorted(entry.title for entry in hass.config_entries)
    assert titles == sorted(
        ["wyoming-voice-whisper", "wyoming-voice-piper", "wyoming-voice-agent", "Kitchen satellite"]
    )
    [pipeline] = ours(hass)
    assert pipeline == {
        "id": pipeline["id"],
        "name": "wyoming-voice",
        "language": "en",
        "conversation_engine": "conversation.wyoming_voice_agent",
        "conversation_language": "en",
        "stt_engine": "stt.wyoming_voice_whisper",
        "stt_language": "en",
        "tts_engine": "tts.wyoming_voice_piper",
        "tts_language": "en_US",  # the English voice, though the German one comes first
        "tts_voice": "en_US-lessac-medium",
        "wake_word_entity": None,
        "wake_word_id": None,
        "prefer_local_intents": True,
    }
    assert hass.pipelines.preferred_id == pipeline["id"]
    select = hass.house.get_state(SATELLITE_SELECT)
    assert select is not None and select.state == "wyoming-voice"
    assert hass.house.is_exposed("switch.coffee_maker")
    assert report.changed
    assert ("Assist pipeline 'wyoming-voice'", "created") in report.steps


async def test_second_run_changes_nothing(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    args = argv(hass.url, token_file, stack, "--set-preferred", "--expose", "switch.coffee_maker")
    await setup(args)
    entries = sorted(e.entry_id for e in hass.config_entries)
    pipelines = hass.pipelines.all()
    states = {e: s.as_dict()["state"] for e, s in hass.house.states.items()}
    calls = len(hass.service_calls)

    again = await setup(args)

    assert not again.changed, again.steps
    assert {outcome for _subject, outcome in again.steps} == {"unchanged"}
    assert sorted(e.entry_id for e in hass.config_entries) == entries
    assert hass.pipelines.all() == pipelines
    assert {e: s.as_dict()["state"] for e, s in hass.house.states.items()} == states
    assert len(hass.service_calls) == calls  # no second select_option


async def test_changed_option_updates_the_same_pipeline(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    await setup(argv(hass.url, token_file, stack, "--prefer-local-intents"))
    [before] = ours(hass)

    report = await setup(argv(hass.url, token_file, stack, "--no-prefer-local-intents"))

    [after] = ours(hass)
    assert after["id"] == before["id"]
    assert after["prefer_local_intents"] is False
    assert ("Assist pipeline 'wyoming-voice'", "updated") in report.steps
    assert len(hass.pipelines) == 2  # HA's default pipeline and ours


async def test_confirms_zeroconf_discoveries(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    found = []
    for name, uri in (("wyoming-voice-stt-box", stack.stt), ("wyoming-voice-tts-box", stack.tts)):
        host, port = uri.removeprefix("tcp://").split(":")
        found.append(DiscoveredService(name=name, host=host, port=int(port)))
    hass.add_discovered_flow(found[0].host, found[0].port, found[0].name)

    async def browser(seconds: float) -> list[DiscoveredService]:
        return found

    parser = build_parser("ha-setup")
    settings = build_settings(
        parser.parse_args(argv(hass.url, token_file, None, "--discover")), parser
    )
    async with asyncio.timeout(30):
        report = await run_setup(settings, browser)

    outcomes = dict(report.steps)
    stt_step = next(s for s in outcomes if s.startswith("Wyoming entry wyoming-voice-whisper"))
    tts_step = next(s for s in outcomes if s.startswith("Wyoming entry wyoming-voice-piper"))
    assert outcomes[stt_step] == "confirmed discovery"
    assert outcomes[tts_step] == "created"
    assert {e.source for e in hass.config_entries} == {"zeroconf", "user"}
    assert not hass.flows.progress()  # the discovery is no longer waiting for a click
    [pipeline] = ours(hass)
    assert pipeline["conversation_engine"] == "conversation.home_assistant"  # no agent found
    assert pipeline["stt_engine"] == "stt.wyoming_voice_whisper"


async def run_main(args: list[str]) -> int:
    """The CLI in a thread (it runs its own event loop), the fakes in this one."""
    async with asyncio.timeout(30):
        return await asyncio.to_thread(main, args, "wyoming-voice ha-setup")


async def test_cli_prints_the_pipeline(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_main(argv(hass.url, token_file, stack)) == 0
    out = capsys.readouterr().out
    assert "stt_engine: stt.wyoming_voice_whisper" in out
    assert TOKEN not in out
    assert await run_main(argv(hass.url, token_file, stack)) == 0
    assert "Nothing changed" in capsys.readouterr().out


async def test_wrong_token_is_a_clear_error(
    hass: FakeHomeAssistant, stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token", encoding="utf-8")
    assert await run_main(argv(hass.url, wrong, stack)) == 1
    err = capsys.readouterr().err
    assert "rejected the access token" in err
    assert "Long-lived access tokens" in err
    assert "not-the-token" not in err
    assert not hass.config_entries


async def test_unreachable_home_assistant_is_a_clear_error(
    stack: Stack, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert await run_main(argv(url, token_file, stack)) == 1
    err = capsys.readouterr().err
    assert f"cannot reach Home Assistant at {url}" in err
    assert "--hass-url" in err


@pytest.mark.parametrize("kind", ["silent", "closed"])
async def test_service_not_answering_describe_is_a_clear_error(
    hass: FakeHomeAssistant, token_file: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if kind == "silent":
            uri = await stack.enter_async_context(silent_server())
        else:
            uri = f"tcp://127.0.0.1:{free_port()}"
        args = argv(hass.url, token_file, None, "--stt", uri, "--timeout", "0.5")
        assert await run_main(args) == 1
    err = capsys.readouterr().err
    assert f"the stt service at {uri} did not answer describe" in err
    assert f"wyoming-voice health {uri}" in err
    assert not hass.config_entries


async def test_service_of_the_wrong_kind_is_a_clear_error(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_main(argv(hass.url, token_file, None, "--stt", stack.tts)) == 1
    err = capsys.readouterr().err
    assert "should be a speech-to-text (asr) service, but it is a text-to-speech service" in err


async def test_home_assistant_that_cannot_reach_the_service(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    host, port = stack.stt.removeprefix("tcp://").split(":")
    hass.mark_unreachable(host, int(port))
    with pytest.raises(SetupError, match="Home Assistant cannot connect to wyoming-voice-whisper"):
        await setup(argv(hass.url, token_file, None, "--stt", stack.stt))
    assert not hass.flows.flows or all(f.step_id != "user" for f in hass.flows.flows.values())


async def test_language_the_stt_does_not_offer(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    with pytest.raises(SetupError, match="does not offer language 'nl'"):
        await setup(argv(hass.url, token_file, stack, "--language", "nl"))
    assert not ours(hass)


async def test_finds_entities_of_a_renamed_entry(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    args = argv(hass.url, token_file, stack)
    await setup(args)
    for entry in hass.config_entries:
        entry.title = f"Renamed {entry.title}"  # as a user renaming it in the UI

    again = await setup(args)

    assert not again.changed, again.steps
    [pipeline] = ours(hass)
    assert pipeline["stt_engine"] == "stt.wyoming_voice_whisper"
