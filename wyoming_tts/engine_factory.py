"""Choosing and building the engine: Piper when voices exist, else espeak-ng (blocking: scans
folders and may download; run it in a worker)."""

from __future__ import annotations

import importlib.util
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

from wyoming_common.errors import ConfigError

from .engine import TtsEngine
from .espeak import EspeakEngine
from .piper.download import VOICE_NAME, VoiceDownloader, download_voices
from .piper.engine import PiperEngine
from .piper.voices import find_piper_voices
from .settings import TtsSettings

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnginePlan:
    """Which engine to run, with which default voice, and why."""

    engine: str
    voice: str | None
    reason: str
    language: str | None = None  # for espeak-ng standing in for a missing Piper voice


def plan_engine(
    requested: str,
    *,
    voice: str | None,
    piper_installed: bool,
    piper_voices: Sequence[str],
    espeak_available: bool,
) -> EnginePlan:
    """Pure decision: which engine serves, given what is installed and found."""
    piper_like = voice is not None and VOICE_NAME.match(voice) is not None
    if requested in ("piper", "auto") and piper_installed and piper_voices:
        if voice is not None and voice not in piper_voices:
            raise ConfigError(
                "--voice", f"no Piper voice {voice!r} (found: {', '.join(sorted(piper_voices))})"
            )
        default = voice or sorted(piper_voices)[0]
        return EnginePlan("piper", default, f"{len(piper_voices)} Piper voice(s) found")
    if requested == "piper":
        if not piper_installed:
            raise ConfigError(
                "--engine", "piper-tts is not installed (pip install 'wyoming-voice[tts]')"
            )
        raise ConfigError(
            "--data-dir",
            "no Piper voice (NAME.onnx + NAME.onnx.json) found; "
            "add one or use --download-voice NAME",
        )
    if not espeak_available:
        raise ConfigError(
            "--engine",
            "no engine available: no Piper voice found and espeak-ng is not installed "
            "(apt install espeak-ng)",
        )
    if requested == "espeak-ng":
        return EnginePlan("espeak-ng", voice, "espeak-ng requested (--engine espeak-ng)")
    reason = "no Piper voice found" if piper_installed else "piper-tts is not installed"
    if piper_like:
        assert voice is not None
        # Stand in with espeak-ng's voice for the same language (de_DE-thorsten-low → de).
        return EnginePlan("espeak-ng", None, reason, language=voice.split("-")[0])
    return EnginePlan("espeak-ng", voice, reason)


def build_engine(settings: TtsSettings) -> TtsEngine:
    """Download what was asked for, scan the voice folders and build the planned engine."""
    candidates = (*settings.data_dirs, settings.download_dir)
    # dict.fromkeys keeps the order and drops the download dir when it is also a data dir.
    folders = tuple(dict.fromkeys(d for d in candidates if d is not None))
    found = find_piper_voices(folders)
    missing = [voice for voice in settings.download_voices if voice not in found]
    if missing and settings.download_dir is not None:
        download_voices(VoiceDownloader(settings.voices_url, settings.download_dir), missing)
        found = find_piper_voices(folders)
    plan = plan_engine(
        settings.engine,
        voice=settings.voice,
        piper_installed=importlib.util.find_spec("piper") is not None,
        piper_voices=list(found),
        espeak_available=shutil.which(settings.espeak_command) is not None,
    )
    if plan.engine == "piper":
        assert plan.voice is not None
        _LOGGER.info("Engine: Piper (%s), default voice %s", plan.reason, plan.voice)
        return PiperEngine(
            found, default_voice=plan.voice, speech=settings.speech, device=settings.device
        )
    if settings.engine == "auto":
        _LOGGER.warning(
            "No Piper voice in %s: speaking with espeak-ng instead (%s). Add a voice with "
            "--download-voice NAME or put NAME.onnx + NAME.onnx.json in --data-dir.",
            ", ".join(str(folder) for folder in folders),
            plan.reason,
        )
    return EspeakEngine(
        speech=settings.speech,
        voice=plan.voice,
        language=plan.language,
        command=settings.espeak_command,
    )
