"""`wyoming-voice ha-setup` against the fake Home Assistant and real Wyoming services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from homeassistant_config.ha_setup import build_parser, build_settings, main, run_setup
from homeassistant_config.report import SetupReport
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


async def setup(args: list[str], *, ok: bool = True) -> SetupReport:
    parser = build_parser("ha-setup")
    settings = build_settings(parser.parse_args(args), parser)
    async with asyncio.timeout(30):
        report = await run_setup(settings)
    assert report.ok is ok, report.error
    return report


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
    assert await hass.add_discovered_flow(found[0].host, found[0].port, found[0].name)

    async def browser(seconds: float) -> list[DiscoveredService]:
        return found

    parser = build_parser("ha-setup")
    settings = build_settings(
        parser.parse_args(argv(hass.url, token_file, None, "--discover")), parser
    )
    async with asyncio.timeout(30):
        report = await run_setup(settings, browser)
    assert report.ok, report.error

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
    report = await setup(argv(hass.url, token_file, None, "--stt", stack.stt), ok=False)
    assert report.error is not None
    assert "Home Assistant cannot connect to wyoming-voice-whisper" in report.error
    assert not hass.flows.flows or all(f.step_id != "user" for f in hass.flows.flows.values())


async def test_language_the_stt_does_not_offer(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    report = await setup(argv(hass.url, token_file, stack, "--language", "nl"), ok=False)
    assert report.error is not None and "does not offer language 'nl'" in report.error
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


async def add_by_hand(hass: FakeHomeAssistant, uri: str) -> str:
    """Add a service the way the Home Assistant UI does (a user flow); returns the entry id."""
    host, port = uri.removeprefix("tcp://").split(":")
    form = hass.flows.start_flow("wyoming")
    result = await hass.flows.submit(form["flow_id"], {"host": host, "port": int(port)})
    return str(result["result"]["entry_id"])


def entries_for(hass: FakeHomeAssistant, uri: str) -> list[str]:
    host, port = uri.removeprefix("tcp://").split(":")
    return [e.entry_id for e in hass.flows.entries_at(host, int(port))]


async def test_runs_twice_on_home_assistant_2026_11(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    """HA 2026.11 adds a host:port again instead of answering already_configured."""
    added: list[str] = []
    hass.flows.entry_listeners.append(lambda change, entry: added.append(entry.title))
    args = argv(hass.url, token_file, stack, "--set-preferred")
    await setup(args)
    [pipeline] = ours(hass)

    again = await setup(args)

    assert not again.changed, again.steps
    for uri in (stack.stt, stack.tts, stack.agent, stack.satellite):
        assert len(entries_for(hass, uri)) == 1, uri
    assert added.count("Kitchen satellite") == 1  # one entry: one satellite connection
    assert ours(hass) == [pipeline]  # not moved to copies such as stt.wyoming_voice_whisper_2
    assert not [e for e in hass.house.states if e.endswith("_2")]
    assert not hass.flows.flows  # the reconfigure flows used to read the entries are gone


async def test_duplicates_from_earlier_runs_are_removed(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    for uri in (stack.stt, stack.stt, stack.satellite, stack.satellite, stack.satellite):
        await add_by_hand(hass, uri)
    first_stt = entries_for(hass, stack.stt)[0]
    first_satellite = entries_for(hass, stack.satellite)[0]

    report = await setup(argv(hass.url, token_file, stack))

    assert entries_for(hass, stack.stt) == [first_stt]
    assert entries_for(hass, stack.satellite) == [first_satellite]
    removed = [subject for subject, outcome in report.steps if outcome == "removed"]
    assert len(removed) == 3, report.steps
    [pipeline] = ours(hass)
    assert pipeline["stt_engine"] == "stt.wyoming_voice_whisper"
    select = hass.house.get_state(SATELLITE_SELECT)
    assert select is not None and select.state == PIPELINE_NAME
    assert "select.kitchen_satellite_assistant_2" not in hass.house.states


async def test_entry_added_by_hand_is_reused(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    entry_id = await add_by_hand(hass, stack.tts)
    report = await setup(argv(hass.url, token_file, None, "--tts", stack.tts))
    assert entries_for(hass, stack.tts) == [entry_id]
    subject, outcome = report.steps[0]
    assert subject.startswith("Wyoming entry wyoming-voice-piper (127.0.0.1:")
    assert outcome == "unchanged"


async def test_expose_failure_prints_the_steps_done_and_fails_again_next_run(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argv(hass.url, token_file, stack, "--expose", "switch.coffee_maker", "light.nope")
    assert not hass.house.is_exposed("switch.coffee_maker")

    assert await run_main(args) == 1

    first = capsys.readouterr()
    for step in ("created  Wyoming entry wyoming-voice-whisper", "created  Assist pipeline"):
        assert step in first.out
    assert "exposed  expose switch.coffee_maker" in first.out
    assert "Nothing changed" not in first.out
    assert first.err.strip().splitlines()[-1].startswith("error: cannot expose light.nope")
    assert hass.house.is_exposed("switch.coffee_maker")

    assert await run_main(args) == 1

    second = capsys.readouterr()
    assert "unchanged  expose switch.coffee_maker" in second.out
    assert "Nothing changed" not in second.out
    assert "error: cannot expose light.nope" in second.err


async def test_pipeline_uses_a_language_the_tts_lists(
    hass: FakeHomeAssistant, stack: Stack, token_file: Path
) -> None:
    await setup(argv(hass.url, token_file, stack))
    [pipeline] = ours(hass)
    assert hass.flows.tts_languages(pipeline["tts_engine"]) is not None
    assert pipeline["tts_language"] in (hass.flows.tts_languages(pipeline["tts_engine"]) or [])


async def test_token_from_the_environment(
    hass: FakeHomeAssistant, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WYOMING_HA_SETUP_HASS_TOKEN", TOKEN)
    args = ["--hass-url", hass.url, "--stt", stack.stt]
    report = await setup(args)
    assert report.steps[0][1] == "created"
    monkeypatch.delenv("WYOMING_HA_SETUP_HASS_TOKEN")
    report = await setup(args, ok=False)
    assert report.error is not None and "--hass-token-file" in report.error


def parse(args: list[str]) -> Any:
    parser = build_parser("ha-setup")
    return build_settings(parser.parse_args(args), parser)


def test_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    base = ["--hass-url", "http://ha:8123", "--stt", "tcp://h:10300"]
    settings = parse([*base, "--expose", "light.a", "light.b", "--expose", "light.a", "light.c"])
    assert settings.options.expose == ("light.a", "light.b", "light.c")
    assert settings.requested == (("stt", "tcp://h:10300"),)
    assert not parse(
        [*base, "--prefer-local-intents", "--no-prefer-local-intents"]
    ).options.prefer_local_intents
    monkeypatch.setenv("WYOMING_HA_SETUP_EXPOSE", "switch.x, light.y")
    monkeypatch.setenv("WYOMING_HA_SETUP_SATELLITE", "tcp://s1:10700 tcp://s2:10700")
    settings = parse(base)
    assert settings.options.expose == ("switch.x", "light.y")
    assert [uri for role, uri in settings.requested if role == "satellite"] == [
        "tcp://s1:10700",
        "tcp://s2:10700",
    ]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--stt", "tcp://h:1"], "--hass-url"),
        (["--hass-url", "ha:8123", "--stt", "tcp://h:1"], "--hass-url"),
        (["--hass-url", "http://ha:8123"], "--stt"),
        (["--hass-url", "http://ha:8123", "--discover", "--stt", "tcp://h:1"], "--discover"),
        (["--hass-url", "http://", "--stt", "tcp://h:1"], "--hass-url"),
        (["--hass-url", "http://[::1", "--stt", "tcp://h:1"], "--hass-url"),
        (["--hass-url", "http://ha:99999", "--stt", "tcp://h:1"], "--hass-url"),
    ],
)
def test_bad_combinations_exit_2_naming_the_flag(
    args: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(args)
    assert exited.value.code == 2
    assert f"error: {flag}:" in capsys.readouterr().err


@pytest.mark.parametrize("token", ["missing", "empty", "unset"])
def test_no_token_is_a_usage_error(
    tmp_path: Path,
    token: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 2 naming the flag, before anything is contacted (the URL does not exist)."""
    monkeypatch.delenv("WYOMING_HA_SETUP_HASS_TOKEN", raising=False)
    args = ["--hass-url", "http://ha.invalid:8123", "--stt", "tcp://h.invalid:1"]
    if token != "unset":
        path = tmp_path / "token"
        if token == "empty":
            path.write_text("\n", encoding="utf-8")
        args += ["--hass-token-file", str(path)]
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "error: --hass-token-file:" in err
    assert "Setup stopped" not in err
