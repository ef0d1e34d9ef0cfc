"""Fixtures for the agent's tests: the fake Home Assistant (with a satellite in the office)
and the tiny real GGUF model, loaded once per module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.fake_hass import FakeHomeAssistant, House, build_default_house
from tests.fake_hass.todo import TodoItem
from tests.support.services import shared_path
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines.llama import LlamaEngine, LlamaSettings

from .support import TOKEN

OFFICE_SATELLITE = "office-satellite-device"


def build_house() -> House:
    """The demo home plus a timer-capable satellite in the office, a robot vacuum, a garden
    sprinkler, a shopping list and a weather entity."""
    house = build_default_house()
    house.add_device("Office Satellite", "office", id=OFFICE_SATELLITE)
    house.intent_state.timers.devices.add(OFFICE_SATELLITE)
    house.add_area("garden", "Garden", "ground")
    house.add_entity(
        "vacuum.robbie", "Robbie", "docked", {"supported_features": 12860}, area_id="living_room"
    )
    house.add_entity(
        "valve.sprinkler",
        "Garden Sprinkler",
        "closed",
        {"supported_features": 3},
        device_class="water",
        area_id="garden",
    )
    house.add_entity("todo.shopping_list", "Shopping List", "1", {"supported_features": 15})
    house.todo.replace("todo.shopping_list", [TodoItem("Milk")])
    house.add_entity(
        "weather.home",
        "Home",
        "rainy",
        {"temperature": 12.5, "temperature_unit": "°C", "humidity": 80},
    )
    return house


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    """The home of build_house, served on loopback."""
    fake = FakeHomeAssistant(token=TOKEN, house=build_house())
    async with asyncio.timeout(10):
        await fake.start()
    try:
        yield fake
    finally:
        async with asyncio.timeout(10):
            await fake.stop()


def stories_settings(**overrides: Any) -> LlamaSettings:
    """LlamaSettings for the shared stories260K model."""
    values: dict[str, Any] = {
        "model": str(shared_path("models", "llm", "stories260K.gguf")),
        "context_size": 8192,
        "seed": 0,
    }
    values.update(overrides)
    return LlamaSettings(**values)


@pytest.fixture(scope="module")
def stories_engine() -> Iterator[LlamaEngine]:
    """stories260K loaded once per module (the worker is loop-independent)."""
    engine = LlamaEngine(stories_settings(), ModelWorker("llm"))
    asyncio.run(asyncio.wait_for(engine.load(), 60))
    yield engine
    asyncio.run(asyncio.wait_for(engine.close(), 30))
