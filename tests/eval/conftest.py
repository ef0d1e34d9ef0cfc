"""Fixtures for the benchmark's tests: the fake Home Assistant serving `home.yaml`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from wyoming_voice.bench.agent_cases import CaseFile, load_case_file
from wyoming_voice.bench.agent_runner import CaseHome, case_home

HOME_FILE = Path(__file__).with_name("home.yaml")
TOKEN = "eval-token-4b1d"

IntentPost = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture(scope="session")
def home_cases() -> CaseFile:
    """The parsed `home.yaml`."""
    return load_case_file(HOME_FILE)


@pytest.fixture
async def home(home_cases: CaseFile) -> AsyncIterator[CaseHome]:
    """`home.yaml`'s home served by the fake Home Assistant on loopback."""
    async with asyncio.timeout(10), case_home(home_cases, TOKEN) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session with the fake's token."""
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        yield session
    finally:
        async with asyncio.timeout(5):
            await session.close()


@pytest.fixture
def intent(home: CaseHome, http: aiohttp.ClientSession) -> IntentPost:
    """POST /api/intent/handle: `await intent("HassTurnOn", name="X", assistant=...)`.

    Returns (status, JSON body or text). Request keys other than `data` slots go in
    `request={...}`; `assistant` defaults to "conversation" (pass `assistant=None` to omit).
    """

    async def post(
        intent_type: str,
        /,
        *,
        assistant: str | None = "conversation",
        request: dict[str, Any] | None = None,
        **slots: Any,
    ) -> tuple[int, Any]:
        body: dict[str, Any] = {"name": intent_type, "data": slots, **(request or {})}
        if assistant is not None:
            body["assistant"] = assistant
        async with asyncio.timeout(5):
            async with http.post(f"{home.hass.url}/api/intent/handle", json=body) as response:
                if response.content_type == "application/json":
                    return response.status, await response.json()
                return response.status, await response.text()

    return post
