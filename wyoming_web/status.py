"""`GET /health` (a describe round trip to every service), `GET /metrics` (Prometheus) and
`GET /api/latency` (the last turns' stage timings, for the page's chart)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiohttp import web
from wyoming.info import Info

from voice_pipeline.errors import PipelineError
from wyoming_common.client import ServiceUnavailableError, describe

from .gateway import GATEWAY_KEY, Gateway, error_message

DESCRIBE_TIMEOUT = 2.0
HEALTH_TTL = 1.0  # seconds a /health answer is reused
_PROGRAMS = {"stt": "asr", "agent": "handle", "tts": "tts"}


_ENGINE_IN_DESCRIPTION = re.compile(r"\(([^()]+)\)\s*$")  # "Local text to speech (piper)"
SHOWN_MODELS = 3


def _program_fields(info: Info, stage: str) -> dict[str, Any] | None:
    """Program name, engine, first models and, for the agent, Home Assistant's connection."""
    programs = getattr(info, _PROGRAMS[stage]) or []
    if not programs:
        return None
    program = programs[0]
    models = list(getattr(program, "models", None) or getattr(program, "voices", None) or [])
    names = [str(model.name) for model in models]
    match = _ENGINE_IN_DESCRIPTION.search(program.description or "")
    fields: dict[str, Any] = {
        "program": str(program.name),
        "engine": match.group(1) if match else (names[0] if names else str(program.name)),
        "models": names[:SHOWN_MODELS],
        "model_count": len(names),
    }
    if stage == "agent":
        fields["home_control"] = bool(getattr(program, "supports_home_control", False))
    return fields


async def _check(stage: str, uri: str) -> dict[str, Any]:
    started = time.monotonic()
    try:
        info = await describe(uri, timeout=DESCRIBE_TIMEOUT)
    except ServiceUnavailableError as err:  # down, or not speaking Wyoming
        return {"uri": uri, "ok": False, "error": str(err)}
    seconds = round(time.monotonic() - started, 4)
    fields = _program_fields(info, stage)
    if fields is None:
        return {"uri": uri, "ok": False, "error": f"no {_PROGRAMS[stage]} program in its info"}
    return {"uri": uri, "ok": True, **fields, "seconds": seconds}


class HealthProbe:
    """/health's answer, computed at most once per HEALTH_TTL seconds and by one request at
    a time: any web page may GET /health in a loop (GETs skip the Origin check), and each
    probe costs three describes plus, when unhealthy, a new zeroconf lookup."""

    def __init__(self, ttl: float = HEALTH_TTL, clock: Any = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.probes = 0
        self._lock = asyncio.Lock()
        self._answer: tuple[dict[str, Any], int] | None = None
        self._at = 0.0

    async def answer(self, gateway: Gateway) -> tuple[dict[str, Any], int]:
        """(body, status): the cached answer while fresh, else a new probe."""
        async with self._lock:
            if self._answer is None or self.clock() - self._at >= self.ttl:
                self._answer = await _probe(gateway)
                self._at = self.clock()
                self.probes += 1
            return self._answer


async def _probe(gateway: Gateway) -> tuple[dict[str, Any], int]:
    try:
        endpoints = await gateway.endpoints()
    except PipelineError as err:
        return {"status": "unavailable", "stage": err.stage, "error": error_message(err)}, 503
    uris = {"stt": endpoints.stt_uri, "agent": endpoints.agent_uri, "tts": endpoints.tts_uri}
    results = await asyncio.gather(*(_check(stage, uri) for stage, uri in uris.items()))
    services = dict(zip(uris, results, strict=True))
    healthy = all(result["ok"] for result in services.values())
    if not healthy:
        gateway.resolver.invalidate()
    agent = services["agent"]
    home = (
        "unknown" if not agent["ok"] else "connected" if agent["home_control"] else "not_connected"
    )
    body = {"status": "ok" if healthy else "unavailable", "services": services, "home": home}
    return body, 200 if healthy else 503


HEALTH_KEY: web.AppKey[HealthProbe] = web.AppKey("health", HealthProbe)


async def health(request: web.Request) -> web.Response:
    """200 when STT, agent and TTS all answer describe, else 503; JSON either way (at most
    HEALTH_TTL seconds old)."""
    body, status = await request.app[HEALTH_KEY].answer(request.app[GATEWAY_KEY])
    return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})


async def latency(request: web.Request) -> web.Response:
    """The last turns' stage timings (seconds), oldest first: no texts, only numbers."""
    turns = list(request.app[GATEWAY_KEY].latency)
    return web.json_response({"turns": turns}, headers={"Cache-Control": "no-store"})


async def metrics(request: web.Request) -> web.Response:
    """Request counts and stage latencies in the Prometheus text format."""
    text = request.app[GATEWAY_KEY].metrics.render()
    return web.Response(
        body=text.encode("utf-8"),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
