"""`GET /health` (a describe round trip to every service) and `GET /metrics` (Prometheus)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web
from wyoming.info import Info

from voice_pipeline.errors import PipelineError
from wyoming_common.client import ServiceUnavailableError, describe

from .gateway import GATEWAY_KEY, error_message

DESCRIBE_TIMEOUT = 2.0
_PROGRAMS = {"stt": "asr", "agent": "handle", "tts": "tts"}


def _program(info: Info, stage: str) -> str | None:
    programs = getattr(info, _PROGRAMS[stage]) or []
    return str(programs[0].name) if programs else None


async def _check(stage: str, uri: str) -> dict[str, Any]:
    started = time.monotonic()
    try:
        info = await describe(uri, timeout=DESCRIBE_TIMEOUT)
    except ServiceUnavailableError as err:
        return {"uri": uri, "ok": False, "error": str(err)}
    seconds = round(time.monotonic() - started, 4)
    program = _program(info, stage)
    if program is None:
        return {"uri": uri, "ok": False, "error": f"no {_PROGRAMS[stage]} program in its info"}
    return {"uri": uri, "ok": True, "program": program, "seconds": seconds}


async def health(request: web.Request) -> web.Response:
    """200 when STT, agent and TTS all answer describe, else 503; JSON either way."""
    gateway = request.app[GATEWAY_KEY]
    try:
        endpoints = await gateway.endpoints()
    except PipelineError as err:
        return web.json_response(
            {"status": "unavailable", "stage": err.stage, "error": error_message(err)}, status=503
        )
    uris = {"stt": endpoints.stt_uri, "agent": endpoints.agent_uri, "tts": endpoints.tts_uri}
    results = await asyncio.gather(*(_check(stage, uri) for stage, uri in uris.items()))
    services = dict(zip(uris, results, strict=True))
    healthy = all(result["ok"] for result in services.values())
    if not healthy:
        gateway.resolver.invalidate()
    body = {"status": "ok" if healthy else "unavailable", "services": services}
    return web.json_response(body, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    """Request counts and stage latencies in the Prometheus text format."""
    text = request.app[GATEWAY_KEY].metrics.render()
    return web.Response(
        body=text.encode("utf-8"),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
