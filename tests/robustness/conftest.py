"""One child process per service kind, shared by the robustness tests of a session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .processes import KINDS, ServiceProcess


@pytest.fixture(scope="session", params=KINDS)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """STT (pocketsphinx), TTS (espeak-ng), agent (fast path) or satellite, on loopback."""
    kind = str(request.param)
    process = ServiceProcess(kind, tmp_path_factory.mktemp(kind)).start()
    try:
        yield process
    finally:
        process.stop()
