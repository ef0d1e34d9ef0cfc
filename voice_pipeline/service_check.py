"""`describe` before a request: a client pointed at the wrong kind of service says so at once
instead of waiting for an answer that never comes (issue 14, item 9)."""

from __future__ import annotations

import logging

from wyoming.info import Info

from wyoming_common.client import ServiceUnavailableError, describe

from .errors import ServiceError

_LOGGER = logging.getLogger(__name__)

# stage → (info field, what users call it)
STAGE_PROGRAMS = {
    "stt": ("asr", "speech-to-text"),
    "agent": ("handle", "conversation agent"),
    "tts": ("tts", "text-to-speech"),
}
_OTHER_KINDS = (
    ("intent", "intent recognizer"),
    ("wake", "wake word"),
    ("mic", "microphone"),
    ("snd", "sound output"),
)


def service_kinds(info: Info) -> list[str]:
    """What a service offers, in words ("speech-to-text", "satellite", ...)."""
    kinds = [label for field, label in STAGE_PROGRAMS.values() if getattr(info, field, None)]
    kinds += [label for field, label in _OTHER_KINDS if getattr(info, field, None)]
    if info.satellite is not None:
        kinds.append("satellite")
    return kinds


def require_stage(stage: str, uri: str, info: Info) -> None:
    """Raise ServiceError unless info offers an installed program for stage."""
    field, label = STAGE_PROGRAMS[stage]
    programs = getattr(info, field, None) or []
    if any(getattr(p, "installed", False) for p in programs):
        return
    offered = ", ".join(service_kinds(info)) or "nothing a client can use"
    raise ServiceError(stage, f"{uri} is not a {label} service (it offers: {offered})")


async def check_service(stage: str, uri: str, timeout: float = 5.0) -> Info:
    """describe → info, checked for the stage; ServiceError when down or the wrong kind."""
    try:
        info = await describe(uri, timeout=timeout)
    except ServiceUnavailableError as err:
        raise ServiceError(stage, str(err)) from err
    require_stage(stage, uri, info)
    return info


class ServiceChecks:
    """What `describe` said about each service, kept across turns (and shared by the pipelines
    of one front end): each (stage, uri) is checked once and the TTS asked once whether it
    streams; a failure of a stage forgets that stage's answers, so they are asked again."""

    def __init__(self) -> None:
        self._checked: set[tuple[str, str]] = set()
        self._tts_streaming: dict[str, bool] = {}

    async def check(self, stage: str, uri: str, timeout: float) -> None:
        """describe once per (stage, uri): the wrong kind of service fails at once."""
        if (stage, uri) not in self._checked:
            await check_service(stage, uri, timeout)
            self._checked.add((stage, uri))

    async def tts_streaming(self, uri: str, timeout: float) -> bool:
        """Whether the TTS advertises `supports_synthesize_streaming` (asked once per URI)."""
        if uri not in self._tts_streaming:
            info = await check_service("tts", uri, timeout)
            streaming = bool(info.tts and info.tts[0].supports_synthesize_streaming)
            self._tts_streaming[uri] = streaming
            self._checked.add(("tts", uri))
            _LOGGER.debug("TTS %s streaming: %s", uri, streaming)
        return self._tts_streaming[uri]

    def forget(self, stage: str) -> None:
        """After a failure of stage, ask again next time (the service may have changed)."""
        self._checked = {key for key in self._checked if key[0] != stage}
        if stage == "tts":
            self._tts_streaming.clear()
