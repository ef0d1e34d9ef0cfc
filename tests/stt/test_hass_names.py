"""Names for the pocketsphinx grammar from Home Assistant (the fake one in tests/fake_hass)."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from wyoming_stt.hass_names import (
    HassNamesError,
    HassSource,
    fetch_names,
    fetch_names_blocking,
    websocket_url,
)
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber

from .conftest import stt_service
from .wyoming_io import transcribe_once, wav_audio

TOKEN = "secret-token-123"

# The demo house: entities exposed to Assist (not the coffee maker, not HA's own agent),
# their aliases, areas with aliases, floors.
EXPECTED_NAMES = {
    "Kitchen Lights", "Kitchen", "Standing Light", "Bed Light", "Office Fan", "EcoBee",
    "Outdoor Humidity", "Office Temperature", "Kitchen Temperature", "Front Door",
    "Garage Door", "Office Blinds", "Sliding Door", "TV", "Party Time", "Movie Night",
}  # fmt: skip
EXPECTED_AREAS = {
    "Kitchen", "Living Room", "Lounge", "Office", "Study", "Bedroom", "Ground Floor",
    "First Floor",
}  # fmt: skip


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://homeassistant.local:8123", "ws://homeassistant.local:8123/api/websocket"),
        ("https://ha.example.com/", "wss://ha.example.com/api/websocket"),
        ("ws://10.0.0.2:8123/api/websocket", "ws://10.0.0.2:8123/api/websocket"),
    ],
)
def test_websocket_url(url: str, expected: str) -> None:
    assert websocket_url(url) == expected


def test_websocket_url_needs_a_host() -> None:
    with pytest.raises(ValueError, match="http"):
        websocket_url("homeassistant.local:8123")


async def test_names_of_exposed_entities_and_areas() -> None:
    async with FakeHomeAssistant(token=TOKEN) as hass:
        names = await fetch_names(HassSource(hass.url, TOKEN))
    assert set(names.names) == EXPECTED_NAMES
    assert "Coffee Maker" not in names.names and "Home Assistant" not in names.names
    assert set(names.areas) == EXPECTED_AREAS
    assert TOKEN not in repr(HassSource(hass.url, TOKEN))


async def test_a_refused_token_or_silent_server_is_an_error_in_bounded_time() -> None:
    async with FakeHomeAssistant(token=TOKEN) as hass:
        with pytest.raises(HassNamesError, match="refused the access token"):
            await fetch_names(HassSource(hass.url, "wrong"))
        hass.response_delay = 10
        started = time.monotonic()
        with pytest.raises(HassNamesError, match=r"no answer within 0\.5 s"):
            await fetch_names(HassSource(hass.url, TOKEN, timeout=0.5))
        assert time.monotonic() - started < 3
    with pytest.raises(HassNamesError):
        await fetch_names(HassSource(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=2))


async def test_names_from_home_assistant_reach_the_grammar(
    caplog: pytest.LogCaptureFixture, commands: list[tuple[Path, str]]
) -> None:
    """No --names-file: "Bed Light" comes from HA, and the command with it is understood."""
    caplog.set_level(logging.DEBUG, logger="wyoming_stt")
    wav = next(w for w, _t in commands if w.name == "turn_bed_light_on.wav")
    async with FakeHomeAssistant(token=TOKEN) as hass:
        engine = PocketsphinxTranscriber(PocketsphinxOptions(hass=HassSource(hass.url, TOKEN)))
        # load() blocks (as in the service's worker thread); the fake HA answers meanwhile.
        await asyncio.to_thread(engine.load)
    try:
        async with stt_service(engine) as runner:
            transcript = await transcribe_once(runner.uri, *wav_audio(wav))
    finally:
        engine.close()
    assert engine.mode == "grammar"
    assert transcript.text == "turn bed light on"
    assert "16 entity names and 8 area names from Home Assistant" in caplog.text
    assert "24 from Home Assistant" in caplog.text
    assert TOKEN not in caplog.text


def test_unreachable_home_assistant_leaves_the_built_in_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_stt")
    source = HassSource(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=2)
    engine = PocketsphinxTranscriber(PocketsphinxOptions(hass=source))
    setup, source, origins = engine._decoder_setup()
    assert (source, origins) == ("the built-in command grammar", "generic device and room words")
    assert "kitchen" in setup.areas and "Bed Light" not in setup.names
    assert "cannot get names from Home Assistant" in caplog.text
    assert "carrying on without them" in caplog.text
    assert TOKEN not in caplog.text


async def test_blocking_fetch_works_inside_a_running_loop() -> None:
    """fetch_names_blocking from code that runs on a loop uses a thread of its own."""
    with pytest.raises(HassNamesError):
        fetch_names_blocking(HassSource(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=1))
