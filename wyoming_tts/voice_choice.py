"""Which voice speaks a request: by name, else by language, else the default (never silence)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .engines import VoiceChoice, VoiceDescription


@dataclass(frozen=True)
class VoiceRequest:
    """What a client asked for (all optional)."""

    name: str | None = None
    speaker: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Resolution:
    """The chosen voice and, when the request could not be honoured, why."""

    choice: VoiceChoice
    warnings: tuple[str, ...] = ()


def _tag(language: str) -> tuple[str, str]:
    """en_US / en-us / EN → ("en", "us"); region empty when absent."""
    family, _sep, rest = language.replace("-", "_").lower().partition("_")
    return family, rest.split("_")[0] if rest else ""


def language_score(requested: str, offered: str) -> int:
    """2: same language and region; 1: same language; 0: different.

    "en" (what Home Assistant sends) matches every English voice; "en_US" prefers en_US.
    """
    want_family, want_region = _tag(requested)
    have_family, have_region = _tag(offered)
    if not want_family or want_family != have_family:
        return 0
    return 2 if want_region == have_region else 1


def voice_score(requested: str, voice: VoiceDescription) -> int:
    """Best language_score over the voice's languages."""
    return max((language_score(requested, lang) for lang in voice.languages), default=0)


def resolve_voice(
    voices: Sequence[VoiceDescription], default: str, request: VoiceRequest
) -> Resolution:
    """Pick the voice and speaker for a request (pure; the caller logs the warnings)."""
    by_name = {voice.name: voice for voice in voices}
    warnings: list[str] = []
    voice = _by_name(voices, by_name, request.name)
    if voice is None and request.name:
        warnings.append(f"unknown voice {request.name!r}, using {default!r}")
    if voice is None and request.language:
        voice = _by_language(voices, by_name.get(default), request.language)
        if voice is None:
            warnings.append(f"no voice for language {request.language!r}, using {default!r}")
    if voice is None:
        voice = by_name.get(default) or (voices[0] if voices else None)
    if voice is None:
        return Resolution(VoiceChoice(default, None), tuple(warnings))
    speaker = _speaker(voice, request.speaker, warnings)
    return Resolution(VoiceChoice(voice.name, speaker), tuple(warnings))


def _by_name(
    voices: Sequence[VoiceDescription], by_name: dict[str, VoiceDescription], name: str | None
) -> VoiceDescription | None:
    if not name:
        return None
    if name in by_name:
        return by_name[name]
    folded = name.casefold()
    return next((voice for voice in voices if voice.name.casefold() == folded), None)


def _by_language(
    voices: Sequence[VoiceDescription], default: VoiceDescription | None, language: str
) -> VoiceDescription | None:
    best = max(voices, key=lambda voice: voice_score(language, voice), default=None)
    if best is None or voice_score(language, best) == 0:
        return None
    if default is not None and voice_score(language, default) == voice_score(language, best):
        return default  # the configured voice wins among equally good ones
    return best


def _speaker(voice: VoiceDescription, speaker: str | None, warnings: list[str]) -> str | None:
    if not speaker:
        return None
    if speaker in voice.speakers:
        return speaker
    if speaker.isdigit() and int(speaker) < len(voice.speakers):
        return voice.speakers[int(speaker)]
    if voice.speakers:
        warnings.append(f"voice {voice.name!r} has no speaker {speaker!r}, using its first")
    else:
        warnings.append(f"voice {voice.name!r} has a single speaker, ignoring {speaker!r}")
    return None
