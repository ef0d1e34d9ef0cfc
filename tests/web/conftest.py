"""One stack of real services for every test of the gateway; a gateway per test on top."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.services import shared_path
from tests.support.stack import ServiceStack

from .support import Client, gateway_client


@pytest.fixture(scope="session")
def stack() -> Iterator[ServiceStack]:
    """Fake HA, STT (pocketsphinx), agent and TTS (espeak-ng) as child processes."""
    services = ServiceStack().start()
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture
def command_wav() -> Path:
    """'turn on the kitchen lights', 16 kHz mono."""
    return shared_path("audio", "commands", "turn_on_the_kitchen_lights.wav")


@pytest.fixture
async def client(stack: ServiceStack) -> AsyncIterator[Client]:
    """The gateway (no API key) on a free loopback port, with an HTTP client."""
    async with gateway_client(stack.web_settings()) as test_client:
        yield test_client
