"""Building `info` artifacts the way Home Assistant needs them (installed, attributed)."""

from __future__ import annotations

from wyoming.event import Event
from wyoming.info import Attribution, Info

from . import ATTRIBUTION_NAME, ATTRIBUTION_URL, __version__


def our_attribution() -> Attribution:
    """Attribution for programs we wrote."""
    return Attribution(name=ATTRIBUTION_NAME, url=ATTRIBUTION_URL)


def program_version() -> str:
    """Version string for info programs."""
    return __version__


def wyoming_language(code: str) -> str:
    """Pipelines ask STT/agents for bare languages: en_US / en-US → en (zh-Hant kept)."""
    normalized = code.replace("_", "-")
    base, _sep, rest = normalized.partition("-")
    if rest and len(rest) == 4:  # a script subtag such as zh-Hant matters to HA
        return f"{base.lower()}-{rest.title()}"
    return base.lower()


class InfoEvents:
    """The wire form of a service's info, rebuilt only when the info source returns another
    object (a big TTS info takes ~10 ms to convert: not on every describe of a flood).

    A service whose info never changes returns the same Info object every time (e.g.
    `functools.cache`); one that changes returns a new object.
    """

    def __init__(self) -> None:
        self._info: Info | None = None
        self._event: Event | None = None

    def event(self, info: Info) -> Event:
        """info.event(), from the cache when info is the object converted last time."""
        if info is not self._info or self._event is None:
            self._event = info.event()
            self._info = info
        return self._event
