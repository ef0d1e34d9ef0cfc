"""Our own TTS for `bench satellite`: a running service, or `wyoming-voice tts` started here
(the real Piper voice when fetched, espeak-ng otherwise)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.errors import WyomingVoiceError

from .real_models import RealModels
from .stt_peer import free_port


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
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_voice.cli", "tts", "--uri", uri, *engine,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.returncode is not None:
                raise WyomingVoiceError(f"wyoming-voice tts exited with {proc.returncode}")
            try:
                await describe(uri, timeout=2.0)
                break
            except ServiceUnavailableError:
                if time.monotonic() > deadline:
                    raise WyomingVoiceError("wyoming-voice tts did not start") from None
                await asyncio.sleep(0.3)
        yield uri, name
    finally:
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 15)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
