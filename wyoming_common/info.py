"""Building `info` artifacts the way Home Assistant needs them (installed, attributed)."""

from __future__ import annotations

from wyoming.info import Attribution

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
