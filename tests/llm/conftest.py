"""Fixtures for the agent's tests: the fake Home Assistant (with a satellite in the office)
and the tiny real GGUF model, loaded once per module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.fake_hass import FakeHomeAssistant, build_default_house
from tests.support.services import shared_path
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines.llama import LlamaEngine, LlamaSettings

from .support import TOKEN

OFFICE_SATELLITE = "office-satellite-device"


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    """The demo home plus a satellite device in the office, served on loopback."""
    house = build_default_house()
    house.add_device("Office Satellite", "office", id=OFFICE_SATELLITE)
    fake = FakeHomeAssistant(token=TOKEN, house=house)
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
        "context_size": 2048,
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
