"""Names from Home Assistant (the fake one in tests/fake_hass) for both engines, kept current."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from wyoming_common.hass import HomeAssistantClient
from wyoming_stt.engines import Vocabulary
from wyoming_stt.hass_names import HassVocabulary, fetch_vocabulary
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.settings import HassSource

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


async def test_names_of_exposed_entities_and_areas() -> None:
    async with FakeHomeAssistant(token=TOKEN) as hass:
        async with HomeAssistantClient(hass.url, TOKEN) as client:
            vocabulary = await fetch_vocabulary(client)
    assert set(vocabulary.names) == EXPECTED_NAMES
    assert "Coffee Maker" not in vocabulary.names and "Home Assistant" not in vocabulary.names
    assert set(vocabulary.areas) == EXPECTED_AREAS
    assert TOKEN not in repr(HassSource(hass.url, TOKEN))
    # Every entity name and alias with its domain: the grammar's verbs take only their kinds.
    domains = dict(vocabulary.domains)
    assert {name for name, _domain in vocabulary.domains} == EXPECTED_NAMES
    assert domains["Bed Light"] == "light" and domains["Kitchen"] == "light"  # an alias
    assert domains["Garage Door"] == "cover" and domains["Front Door"] == "lock"
    assert domains["TV"] == "media_player" and domains["Movie Night"] == "scene"


async def test_names_follow_registry_changes() -> None:
    """A new alias and a renamed area reach the engine without a restart."""
    seen: list[Vocabulary] = []
    changed = asyncio.Event()

    async def on_change(vocabulary: Vocabulary) -> None:
        seen.append(vocabulary)
        changed.set()

    async with FakeHomeAssistant(token=TOKEN) as hass:
        watcher = HassVocabulary(HassSource(hass.url, TOKEN), on_change, refresh_delay=0.05)
        try:
            first = await watcher.start(timeout=10)
            assert first is not None and "Bed Light" in first.names
            changed.clear()
            async with HomeAssistantClient(hass.url, TOKEN) as client:
                await client.command(
                    "config/entity_registry/update",
                    entity_id="light.bed_light",
                    aliases=["Reading Lamp"],
                )
            async with asyncio.timeout(10):
                await changed.wait()
        finally:
            await watcher.stop()
    assert "Reading Lamp" in seen[-1].names and "Reading Lamp" not in seen[0].names


async def test_unreachable_home_assistant_starts_without_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_stt")

    async def on_change(vocabulary: Vocabulary) -> None:
        raise AssertionError("no names expected")

    source = HassSource(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=1)
    watcher = HassVocabulary(source, on_change)
    started = time.monotonic()
    try:
        assert await watcher.start(timeout=1.5) is None
    finally:
        await watcher.stop()
    assert time.monotonic() - started < 5
    assert "starting without them and adding them when it answers" in caplog.text
    assert TOKEN not in caplog.text


async def test_names_from_home_assistant_reach_the_grammar(
    caplog: pytest.LogCaptureFixture, commands: list[tuple[Path, str]]
) -> None:
    """No --names-file: "Bed Light" comes from HA, and the command with it is understood."""
    caplog.set_level(logging.DEBUG, logger="wyoming_stt")
    wav = next(w for w, _t in commands if w.name == "turn_bed_light_on.wav")
    async with FakeHomeAssistant(token=TOKEN) as hass:
        async with HomeAssistantClient(hass.url, TOKEN) as client:
            vocabulary = await fetch_vocabulary(client)
    engine = PocketsphinxTranscriber(PocketsphinxOptions())
    engine.set_vocabulary(vocabulary)
    await asyncio.to_thread(engine.load)
    try:
        async with stt_service(engine) as runner:
            transcript = await transcribe_once(runner.uri, *wav_audio(wav))
    finally:
        engine.close()
    assert engine.mode == "grammar"
    assert transcript.text == "turn bed light on"
    assert "names: 23 from Home Assistant)" in caplog.text  # the generic words are gone
    assert TOKEN not in caplog.text
