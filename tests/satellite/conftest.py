"""Fixtures shared by the satellite tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .audio_services import Playback
from .harness import recording_speaker


@pytest.fixture
async def speaker() -> AsyncIterator[tuple[str, list[Playback]]]:
    """A Wyoming sound service that records what the satellite plays: (uri, playbacks)."""
    async with recording_speaker() as service:
        yield service
