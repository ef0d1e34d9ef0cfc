"""The stack a benchmark measures with real models: `wyoming-voice up` on loopback ports with
Whisper, a GGUF model and a Piper voice, and a Home Assistant for the agent (the one given, or
the fake Home Assistant of a source checkout, `python -m tests.fake_hass`)."""

from __future__ import annotations

import asyncio
import secrets
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from .children import free_port, start_child, stop_children, wait_for_service
from .fake_home import start_fake_hass

START_TIMEOUT = 300.0  # loading Whisper and a 1.5B model on a busy 2-core CPU


@dataclass(frozen=True)
class StackModels:
    """What the stack runs: a Whisper folder, a GGUF file, a Piper voice (.onnx)."""

    whisper: Path
    llm: Path | None
    piper_voice: Path


@dataclass(frozen=True)
class RunningStack:
    """Where the started services answer."""

    stt_uri: str
    agent_uri: str
    tts_uri: str
    hass_url: str


@asynccontextmanager
async def real_stack(
    models: StackModels, *, hass_url: str | None = None, hass_token_file: Path | None = None
) -> AsyncIterator[RunningStack]:
    """`wyoming-voice up` with the models on free loopback ports; stopped on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    processes: list[asyncio.subprocess.Process] = []
    try:
        if hass_url is None:
            token = secrets.token_hex(16)
            hass_token_file = workdir / "token"
            hass_token_file.write_text(token, encoding="utf-8")
            hass_url, hass = await start_fake_hass(workdir, token)
            processes.append(hass)
        ports = {name: free_port() for name in ("stt", "tts", "llm")}
        argv = [
            sys.executable, "-m", "wyoming_voice.cli", "up", "--host", "127.0.0.1",
            "--no-zeroconf", "--data-dir", str(workdir / "data"),
            "--stt-port", str(ports["stt"]), "--tts-port", str(ports["tts"]),
            "--llm-port", str(ports["llm"]),
            "--stt-model", str(models.whisper), "--stt-args", "--language en",
            "--tts-voice", models.piper_voice.stem,
            "--tts-args", shlex.join(["--data-dir", str(models.piper_voice.parent)]),
            "--llm-args", "--max-actions-per-minute 1000",
            "--hass-url", hass_url,
        ]  # fmt: skip
        if hass_token_file is not None:
            argv += ["--hass-token-file", str(hass_token_file)]
        if models.llm is not None:
            argv += ["--llm-model", str(models.llm)]
        up = await start_child(argv, workdir / "up.log")
        processes.append(up)
        uris = {name: f"tcp://127.0.0.1:{port}" for name, port in ports.items()}
        for uri in uris.values():
            await wait_for_service(
                uri, up, workdir / "up.log", name="wyoming-voice up", timeout=START_TIMEOUT
            )
        yield RunningStack(uris["stt"], uris["llm"], uris["tts"], hass_url)
    finally:
        await stop_children(processes, grace=30)  # `up` (and its children) before HA
