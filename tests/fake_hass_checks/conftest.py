"""Fixtures shared by the fake Home Assistant's own tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.fake_hass import FakeHomeAssistant

TOKEN = "secret-token"


@pytest.fixture
async def hass() -> AsyncIterator[FakeHomeAssistant]:
    fake = FakeHomeAssistant(token=TOKEN)
    async with asyncio.timeout(5):
        await fake.start()
    try:
        yield fake
    finally:
        async with asyncio.timeout(5):
            await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        yield session
    finally:
        async with asyncio.timeout(5):
            await session.close()
