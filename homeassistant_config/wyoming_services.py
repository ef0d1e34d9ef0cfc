"""Our Wyoming services as the setup sees them: described by us, with what HA will name them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from wyoming.info import Artifact, Info, TtsVoice

from wyoming_common import ATTRIBUTION_NAME
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.discovery import DiscoveredService
from wyoming_common.info import wyoming_language

from .errors import ServiceError

_LOGGER = logging.getLogger(__name__)

ROLES = ("stt", "tts", "agent", "satellite")
_ROLE_WORDS = {
    "stt": "a speech-to-text (asr) service",
    "tts": "a text-to-speech service",
    "agent": "a conversation agent (handle) service",
    "satellite": "a satellite",
}

Browser = Callable[[float], Awaitable[list[DiscoveredService]]]


@dataclass(frozen=True)
class WyomingService:
    """One of our services: where it listens, what it says about itself, how HA finds it."""

    role: str
    uri: str
    host: str
    port: int
    info: Info
    instance: str | None = None  # zeroconf instance name, when discovered

    @property
    def name(self) -> str:
        """The program (or satellite) name: HA titles the entry and names entities after it."""
        if self.role == "satellite" and self.info.satellite is not None:
            return str(self.info.satellite.name)
        program = _program(self.info, self.role)
        return str(program.name) if program is not None else "?"

    @property
    def languages(self) -> list[str]:
        """Languages of the STT or agent models (as pipelines ask for them: `en`)."""
        program = _program(self.info, self.role)
        models = getattr(program, "models", None) or []
        return [lang for model in models for lang in (model.languages or [])]

    @property
    def voices(self) -> list[TtsVoice]:
        """The TTS voices."""
        program = _program(self.info, self.role)
        return list(getattr(program, "voices", None) or [])

    def pick_voice(self, language: str, wanted: str | None) -> TtsVoice:
        """The voice asked for, else the first voice for `language`."""
        voices = [v for v in self.voices if v.installed]
        if wanted is not None:
            for voice in voices:
                if voice.name == wanted:
                    return voice
            names = ", ".join(v.name for v in voices) or "none"
            raise ServiceError(f"{self.uri} has no voice {wanted!r} (voices: {names})")
        for voice in voices:
            if any(wyoming_language(lang) == language for lang in voice.languages or []):
                return voice
        offered = sorted({lang for v in voices for lang in v.languages or []})
        raise ServiceError(
            f"the TTS at {self.uri} has no voice for language {language!r} "
            f"(it offers: {', '.join(offered) or 'nothing'}); pick --language or --voice"
        )


def _program(info: Info, role: str) -> Artifact | None:
    groups: dict[str, list[Artifact]] = {
        "stt": list(info.asr),
        "tts": list(info.tts),
        "agent": list(info.handle),
    }
    return next((p for p in groups.get(role, []) if p.installed), None)


def role_of(info: Info) -> str | None:
    """Which of our roles an info describes (a satellite wins, as in HA)."""
    if info.satellite is not None and info.satellite.installed:
        return "satellite"
    for role in ("stt", "tts", "agent"):
        if _program(info, role) is not None:
            return role
    return None


def is_ours(info: Info) -> bool:
    """Whether a program or satellite of this info was made by wyoming-voice."""
    artifacts = [*info.asr, *info.tts, *info.handle, *info.wake]
    if info.satellite is not None:
        artifacts.append(info.satellite)
    return any(a.attribution.name == ATTRIBUTION_NAME for a in artifacts)


def split_uri(uri: str) -> tuple[str, int]:
    """host and port of a tcp:// URI (Home Assistant connects to host:port only)."""
    parsed = urlparse(uri)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme != "tcp" or not parsed.hostname or port is None:
        raise ServiceError(f"expected tcp://HOST:PORT, got {uri!r}")
    return parsed.hostname, port


async def describe_service(
    role: str, uri: str, timeout: float, instance: str | None = None
) -> WyomingService:
    """Describe the service at `uri` and check it is what `role` needs."""
    host, port = split_uri(uri)
    try:
        info = await describe(uri, timeout)
    except ServiceUnavailableError as err:
        raise ServiceError(
            f"the {role} service at {uri} did not answer describe ({err}). Is it running? "
            f"`wyoming-voice health {uri}` checks it"
        ) from err
    service = WyomingService(role, uri, host, port, info, instance)
    found = role_of(info)
    if found != role:
        offers = _ROLE_WORDS.get(found or "", "nothing Home Assistant can use")
        raise ServiceError(f"{uri} should be {_ROLE_WORDS[role]}, but it is {offers}")
    return service


async def describe_all(
    requested: Sequence[tuple[str, str]], timeout: float
) -> list[WyomingService]:
    """Describe (role, uri) pairs concurrently; the first failure is raised."""
    return list(
        await asyncio.gather(*(describe_service(role, uri, timeout) for role, uri in requested))
    )


async def discover_services(
    browse: Browser, seconds: float, timeout: float
) -> list[WyomingService]:
    """Our services found by zeroconf: at most one of stt/tts/agent, every satellite."""
    found: list[WyomingService] = []
    for item in await browse(seconds):
        try:
            info = await describe(item.uri, timeout)
        except ServiceUnavailableError as err:
            _LOGGER.warning("Skipping %s at %s: %s", item.name, item.uri, err)
            continue
        role = role_of(info)
        if role is None or not is_ours(info):
            _LOGGER.info("Skipping %s at %s: not a wyoming-voice service", item.name, item.uri)
            continue
        found.append(WyomingService(role, item.uri, item.host, item.port, info, item.name))
    for role in ("stt", "tts", "agent"):
        same = [s.uri for s in found if s.role == role]
        if len(same) > 1:
            raise ServiceError(
                f"zeroconf found several {role} services ({', '.join(same)}); "
                f"choose one with --{role} URI"
            )
    if not found:
        raise ServiceError(
            f"zeroconf found no wyoming-voice service in {seconds:g} s; are the services "
            "started with --zeroconf, on this network? Or name them with --stt/--tts/--agent"
        )
    return found
