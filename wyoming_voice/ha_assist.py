"""The same commands through Home Assistant's Assist pipeline (websocket `assist_pipeline/run`),
for `bench pipeline --ha-url`: HA's stt-end / intent-end / tts-end and the first byte of the
reply audio, timed from the moment the whole command was sent."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from voice_pipeline.audio_io import CHUNK_BYTES, load_command
from wyoming_common.audio import STT_FORMAT

_LOGGER = logging.getLogger(__name__)

HA_LABELS = {
    "stt": "end of speech → stt-end",
    "agent": "stt-end → intent-end",
    "tts": "intent-end → tts-end",
    "first_audio": "end of speech → first audio byte",
}


class AssistError(Exception):
    """HA refused the run or reported a pipeline error."""


async def _receive(ws: aiohttp.ClientWebSocketResponse, timeout: float) -> dict[str, Any]:
    message = await ws.receive_json(timeout=timeout)
    if not isinstance(message, dict):
        raise AssistError(f"unexpected message {message!r}")
    return message


async def _authenticate(ws: aiohttp.ClientWebSocketResponse, token: str) -> None:
    hello = await _receive(ws, 10)
    if hello.get("type") != "auth_required":
        raise AssistError(f"unexpected greeting {hello.get('type')}")
    await ws.send_json({"type": "auth", "access_token": token})
    reply = await _receive(ws, 10)
    if reply.get("type") != "auth_ok":
        raise AssistError("authentication failed (check --ha-token)")


async def run_assist(
    session: aiohttp.ClientSession,
    base_url: str,
    ws: aiohttp.ClientWebSocketResponse,
    message_id: int,
    pcm: bytes,
    *,
    pipeline_id: str | None = None,
) -> dict[str, float]:
    """One stt → tts run; seconds per stage measured from the end of the audio."""
    request: dict[str, Any] = {
        "id": message_id,
        "type": "assist_pipeline/run",
        "start_stage": "stt",
        "end_stage": "tts",
        "input": {"sample_rate": STT_FORMAT.rate},
    }
    if pipeline_id:
        request["pipeline"] = pipeline_id
    await ws.send_json(request)
    handler_id: int | None = None
    marks: dict[str, float] = {}
    tts_url: str | None = None
    sent_at: float | None = None
    while True:
        message = await _receive(ws, 60)
        if message.get("id") != message_id:
            continue
        if message.get("type") == "result":
            if not message.get("success", False):
                raise AssistError(str(message.get("error")))
            continue
        event = message.get("event", {})
        kind, data = event.get("type"), event.get("data") or {}
        if kind == "run-start":
            handler_id = int(data["runner_data"]["stt_binary_handler_id"])
            prefix = bytes([handler_id])
            for i in range(0, len(pcm), CHUNK_BYTES):
                await ws.send_bytes(prefix + pcm[i : i + CHUNK_BYTES])
            await ws.send_bytes(prefix)  # end of audio
            sent_at = time.monotonic()
        elif kind in ("stt-end", "intent-end", "tts-end"):
            marks[kind] = time.monotonic()
            if kind == "tts-end":
                tts_url = (data.get("tts_output") or {}).get("url")
        elif kind == "error":
            raise AssistError(f"{data.get('code')}: {data.get('message')}")
        elif kind == "run-end":
            break
    if sent_at is None or tts_url is None:
        raise AssistError("the run produced no reply audio")
    async with session.get(base_url.rstrip("/") + tts_url) as response:
        response.raise_for_status()
        await response.content.readany()
        first_byte = time.monotonic()
    return {
        "stt": marks["stt-end"] - sent_at,
        "agent": marks["intent-end"] - marks["stt-end"],
        "tts": marks["tts-end"] - marks["intent-end"],
        "first_audio": first_byte - sent_at,
    }


async def bench_home_assistant(
    base_url: str, token: str, files: Sequence[Path], *, pipeline_id: str | None = None
) -> tuple[dict[str, list[float]], int]:
    """Every command through HA; returns the samples per stage and the failure count."""
    samples: dict[str, list[float]] = {key: [] for key in HA_LABELS}
    failures = 0
    ws_url = base_url.rstrip("/").replace("http", "ws", 1) + "/api/websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await _authenticate(ws, token)
        for index, path in enumerate(files, start=1):
            try:
                timings = await run_assist(
                    session, base_url, ws, index, load_command(path), pipeline_id=pipeline_id
                )
            except (AssistError, KeyError, aiohttp.ClientError, TimeoutError) as err:
                failures += 1
                print(f"  {path.name} (Home Assistant): {err}", file=sys.stderr)
                continue
            for key, value in timings.items():
                samples[key].append(value)
    return samples, failures
