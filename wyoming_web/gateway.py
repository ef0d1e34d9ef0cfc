"""What every route shares: settings, the service endpoints, the API key and the metrics."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web

from voice_pipeline.conversation import ConversationTracker
from voice_pipeline.endpoints import EndpointResolver
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.service_check import ServiceChecks
from voice_pipeline.types import PipelineEndpoints, PipelineListener, PipelineResult
from wyoming_common.client import ServiceUnavailableError
from wyoming_common.metrics import Metrics

from .auth import ApiKey
from .guard import RequestGuard
from .settings import WebSettings

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

LATENCY_TURNS = 50  # turns kept for the latency chart (GET /api/latency)


class ServiceNotFoundError(PipelineError):
    """No service is known for a stage (discovery found none): HTTP 503."""

    code = "service-not-found"


def error_status(err: PipelineError) -> int:
    """503 when a service is down or missing, 502 when it answered with an error."""
    if isinstance(err, ServiceNotFoundError) or isinstance(
        err.__cause__, ServiceUnavailableError | TimeoutError
    ):
        return 503
    return 502


def error_message(err: PipelineError) -> str:
    """The message without the `stage: ` prefix (the stage travels in its own field)."""
    return str(err).removeprefix(f"{err.stage}: ")


class Gateway:
    """Builds pipelines against the current endpoints and records how turns went."""

    def __init__(
        self,
        settings: WebSettings,
        *,
        resolver: EndpointResolver | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver or EndpointResolver(settings.services)
        self.metrics = metrics or Metrics()
        self.latency: deque[dict[str, Any]] = deque(maxlen=LATENCY_TURNS)
        # What describe said about the services, for every request and socket: a turn does
        # not describe the three services again before its work.
        self.checks = ServiceChecks()
        self.api_key = ApiKey(settings.api_key)
        self.guard = RequestGuard.build(
            settings.allowed_hosts,
            settings.allowed_origins,
            listen_host=settings.host,
            loopback=settings.is_loopback,
        )

    async def endpoints(self) -> PipelineEndpoints:
        """The STT, agent and TTS URIs (discovered once, again after a failure)."""
        try:
            return await self.resolver.resolve()
        except PipelineError as err:
            raise ServiceNotFoundError(err.stage, error_message(err)) from err

    async def pipeline(
        self, conversation_id: str | None = None, conversations: ConversationTracker | None = None
    ) -> VoicePipeline:
        """A pipeline for one HTTP request (continuing conversation_id when given) or, with
        `conversations`, for a socket; all share the gateway's service checks."""
        if conversations is None:
            conversations = ConversationTracker()
            if conversation_id:
                conversations.turn_done(conversation_id)
        return VoicePipeline(
            await self.endpoints(),
            self.settings.pipeline_options,
            conversations=conversations,
            checks=self.checks,
        )

    async def run_turn(self, turn: Awaitable[T], kind: str) -> T:
        """Await one turn (`run`/`respond`), counting it and its failures."""
        try:
            result = await turn
        except PipelineError as err:
            self.resolver.invalidate()  # a discovered service may have moved
            self.metrics.inc(
                "web_turn_errors_total", "Failed turns by stage", kind=kind, stage=err.stage
            )
            _LOGGER.info("%s turn failed at %s: %s", kind, err.stage, error_message(err))
            raise
        self.metrics.inc("web_turns_total", "Finished turns", kind=kind)
        if isinstance(result, PipelineResult):
            self.record(result, kind)
        return result

    def record(self, result: PipelineResult, kind: str) -> None:
        """Stage latencies into the histograms and the latency chart's history."""
        timings = result.timings.as_dict()
        for stage, seconds in timings.items():
            if seconds is not None:
                self.metrics.observe(
                    "web_stage_seconds", seconds, "Pipeline stage latency", stage=stage
                )
        rounded = {k: None if v is None else round(v, 4) for k, v in timings.items()}
        self.latency.append({"at": round(time.time(), 3), "kind": kind, **rounded})


async def respond_typed(
    pipeline: VoicePipeline, text: str, listener: PipelineListener
) -> PipelineResult:
    """Agent and TTS for a typed request, timed from when the text arrived.

    `first_audio` and `total` then count from the request (there is no end of speech) and
    `stt` stays empty.
    """
    now = time.monotonic()
    result = await pipeline.respond(text, listener, end_of_speech_at=now, transcript_at=now)
    return dataclasses.replace(result, timings=dataclasses.replace(result.timings, stt=None))


GATEWAY_KEY: web.AppKey[Gateway] = web.AppKey("gateway", Gateway)
