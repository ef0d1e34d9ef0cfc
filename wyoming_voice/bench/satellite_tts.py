"""Our own TTS for `bench satellite`: a running service, or `wyoming-voice tts` started here
(the real Piper voice when fetched, espeak-ng otherwise)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

from .children import free_port, running_child
from .real_models import RealModels


@contextlib.asynccontextmanager
async def running_tts(uri: str | None, models: RealModels) -> AsyncIterator[tuple[str, str]]:
    """(uri, what speaks): the given service, or one started for the benchmark."""
    if uri:
        yield uri, uri
        return
    piper = models.piper_joe
    if piper.is_file():
        engine = ["--engine", "piper", "--data-dir", str(models.piper_dir)]
        engine += ["--voice", piper.name.removesuffix(".onnx")]
        name = f"Piper {piper.name.removesuffix('.onnx')}"
    else:
        engine, name = ["--engine", "espeak-ng"], "espeak-ng (no real Piper voice found)"
    uri = f"tcp://127.0.0.1:{free_port()}"
    argv = [sys.executable, "-m", "wyoming_voice.cli", "tts", "--uri", uri, *engine]
    async with running_child(argv, uri, name="wyoming-voice tts", timeout=120):
        yield uri, name
