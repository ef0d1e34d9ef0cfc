"""Find the STT, agent and TTS services: by URI, or over zeroconf by what their `info` says."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wyoming.info import Info

from wyoming_common import ATTRIBUTION_NAME
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import EnvArgumentParser, option, positive_float, wyoming_uri
from wyoming_common.discovery import DiscoveredService, browse
from wyoming_common.options import add_flags

from .errors import PipelineError
from .types import PipelineEndpoints

_LOGGER = logging.getLogger(__name__)

Browser = Callable[[float], Awaitable[list[DiscoveredService]]]
Describer = Callable[[str, float], Awaitable[Info]]

_KINDS = (("stt", "asr"), ("agent", "handle"), ("tts", "tts"))


@dataclass(frozen=True)
class EndpointSettings:
    """Where the STT, agent and TTS services are: URIs, or zeroconf discovery for missing ones."""

    stt_uri: str | None = option(None, type=wyoming_uri, help="speech-to-text service")
    agent_uri: str | None = option(
        None, type=wyoming_uri, help="conversation agent (handle) service"
    )
    tts_uri: str | None = option(None, type=wyoming_uri, help="text-to-speech service")
    discover: bool = option(False, help="find missing services over zeroconf")
    discover_seconds: float = option(3.0, type=positive_float, help="zeroconf browse time")
    language: str = option("en", help="language sent to STT and the agent")
    voice: str | None = option(None, help="TTS voice name (default: the service's default)")

    def __post_init__(self) -> None:
        if self.voice == "":
            object.__setattr__(self, "voice", None)

    @property
    def enabled(self) -> bool:
        """True when at least one service is configured or discovery is on."""
        return self.discover or any((self.stt_uri, self.agent_uri, self.tts_uri))


def _rank(program: Any) -> int:
    """Lower is better: our own programs first, then any installed one."""
    if not getattr(program, "installed", False):
        return 99
    return 0 if program.attribution.name == ATTRIBUTION_NAME else 1


def choose_endpoints(
    candidates: Sequence[tuple[str, Info]],
    *,
    stt_uri: str | None = None,
    agent_uri: str | None = None,
    tts_uri: str | None = None,
) -> PipelineEndpoints:
    """Pick a service per stage: explicit URIs win, then ours, then any installed program."""
    chosen: dict[str, str | None] = {"stt": stt_uri, "agent": agent_uri, "tts": tts_uri}
    for stage, field in _KINDS:
        if chosen[stage]:
            continue
        best: tuple[int, str] | None = None
        for uri, info in candidates:
            programs = getattr(info, field) or []
            if info.satellite is not None or not programs:
                continue
            rank = _rank(programs[0])
            if rank < 99 and (best is None or rank < best[0]):
                best = (rank, uri)
        chosen[stage] = best[1] if best else None
    missing = [stage for stage, uri in chosen.items() if not uri]
    if missing:
        raise PipelineError(missing[0], f"no {', '.join(missing)} service found")
    return PipelineEndpoints(
        stt_uri=str(chosen["stt"]), agent_uri=str(chosen["agent"]), tts_uri=str(chosen["tts"])
    )


class EndpointResolver:
    """Resolves the endpoints once and again after a failure (a service may have moved)."""

    def __init__(
        self,
        settings: EndpointSettings,
        *,
        browser: Browser | None = None,
        describer: Describer | None = None,
    ) -> None:
        self.settings = settings
        self._browse: Browser = browser or browse
        self._describe: Describer = describer or describe
        self._endpoints: PipelineEndpoints | None = None

    @property
    def needs_discovery(self) -> bool:
        """True when some stage has no explicit URI."""
        s = self.settings
        return not (s.stt_uri and s.agent_uri and s.tts_uri)

    def invalidate(self) -> None:
        """Forget discovered endpoints (after a service failed)."""
        if self.needs_discovery:
            self._endpoints = None

    async def resolve(self) -> PipelineEndpoints:
        """The endpoints to use now; raises PipelineError naming a missing stage."""
        if self._endpoints is not None:
            return self._endpoints
        s = self.settings
        candidates: list[tuple[str, Info]] = []
        if self.needs_discovery:
            if not s.discover:
                missing = [
                    n
                    for n, u in (("stt", s.stt_uri), ("agent", s.agent_uri), ("tts", s.tts_uri))
                    if not u
                ]
                raise PipelineError(missing[0], f"no --{missing[0]}-uri (or --discover) given")
            candidates = await self._described(await self._browse(s.discover_seconds))
        self._endpoints = choose_endpoints(
            candidates, stt_uri=s.stt_uri, agent_uri=s.agent_uri, tts_uri=s.tts_uri
        )
        _LOGGER.info(
            "Standalone services: stt %s, agent %s, tts %s",
            self._endpoints.stt_uri,
            self._endpoints.agent_uri,
            self._endpoints.tts_uri,
        )
        return self._endpoints

    async def _described(self, services: Sequence[DiscoveredService]) -> list[tuple[str, Info]]:
        async def one(service: DiscoveredService) -> tuple[str, Info] | None:
            try:
                return service.uri, await self._describe(service.uri, 2.0)
            except ServiceUnavailableError as err:
                _LOGGER.debug("Skipping %s: %s", service.name, err)
                return None

        results = await asyncio.gather(*(one(s) for s in services))
        return [r for r in results if r is not None]


def add_endpoint_arguments(parser: EnvArgumentParser, title: str = "services") -> None:
    """--stt-uri/--agent-uri/--tts-uri/--discover/--discover-seconds/--language/--voice."""
    add_flags(parser, EndpointSettings, title=title)
