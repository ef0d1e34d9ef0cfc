"""Synthesis engines: what the service needs from one (Piper, espeak-ng), the values they share,
and which one runs (Piper when voices exist, else espeak-ng; an explicit choice never falls back).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from wyoming_common.audio import AudioFormat
from wyoming_common.config import option, positive_float
from wyoming_common.errors import ConfigError
from wyoming_common.worker import CancelToken

if TYPE_CHECKING:
    from .settings import TtsSettings

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceDescription:
    """A voice as clients see it in info (no model needs to be loaded to describe it)."""

    name: str
    languages: tuple[str, ...]  # Piper style: en_US
    speakers: tuple[str, ...] = ()
    description: str | None = None
    version: str | None = None
    attribution_name: str = ""
    attribution_url: str = ""
    sample_rate: int = 22050


@dataclass(frozen=True)
class VoiceChoice:
    """The voice (and speaker of a multi-speaker voice) one request is spoken with."""

    voice: str
    speaker: str | None = None


def non_negative_float(text: str) -> float:
    """argparse type: a float >= 0."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


@dataclass(frozen=True)
class SpeechSettings:
    """How to speak (the `speech` flags): None leaves the voice's own default."""

    length_scale: float | None = option(
        None, type=positive_float, help="speaking time: > 1 slower, < 1 faster"
    )
    noise_scale: float | None = option(None, type=non_negative_float, help="Piper generator noise")
    noise_w: float | None = option(None, type=non_negative_float, help="Piper phoneme width noise")
    sentence_silence: float = option(
        0.0, type=non_negative_float, help="seconds of silence after each sentence"
    )

    def cache_tag(self) -> str:
        """A string that differs whenever these settings change the audio."""
        return (
            f"ls={self.length_scale}/ns={self.noise_scale}/nw={self.noise_w}"
            f"/ss={self.sentence_silence}"
        )


class TtsEngine(Protocol):
    """A synthesis engine. `load` and `synthesize` block and run in the model worker; the
    other members are cheap and valid once `load` has returned."""

    @property
    def name(self) -> str:
        """Engine name for logs and info (piper, espeak-ng)."""
        ...

    @property
    def concurrency(self) -> int:
        """How many synthesize calls may run at once."""
        ...

    @property
    def cache_tag(self) -> str:
        """Identifies the engine and its settings in cache keys."""
        ...

    @property
    def default_voice(self) -> str:
        """Voice used when a request names none (or an unknown one)."""
        ...

    def load(self) -> None:
        """Find voices, load and warm the default voice (blocking)."""
        ...

    def voices(self) -> Sequence[VoiceDescription]:
        """Every voice this engine can speak with, default first."""
        ...

    def audio_format(self, voice: str) -> AudioFormat:
        """The PCM format `synthesize` produces for a voice."""
        ...

    def synthesize(
        self, sentence: str, choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        """Yield 16-bit PCM of one sentence in pieces, each as soon as it exists (blocking).

        The pieces joined are the sentence's audio (silence after it included); at least one
        piece, none after `cancel` is set.
        """
        ...


# -- which engine -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EnginePlan:
    """Which engine to run, with which default voice, and why."""

    engine: str
    voice: str | None
    reason: str


def plan_engine(
    requested: str,
    *,
    voice: str | None,
    piper_installed: bool,
    piper_voices: Sequence[str],
    espeak_available: bool,
    searched: Sequence[str] = (),
) -> EnginePlan:
    """Pure decision: which engine serves, given what is installed and found.

    Only `--engine auto` without a Piper `--voice` falls back to espeak-ng; an explicit choice
    that cannot be honoured is a ConfigError naming its flag.
    """
    from .piper.download import VOICE_NAME

    piper_like = voice is not None and VOICE_NAME.match(voice) is not None
    if requested in ("piper", "auto") and piper_installed and piper_voices:
        if voice is not None and voice not in piper_voices:
            raise ConfigError(
                "--voice", f"no Piper voice {voice!r} (found: {', '.join(sorted(piper_voices))})"
            )
        default = voice or sorted(piper_voices)[0]
        return EnginePlan("piper", default, f"{len(piper_voices)} Piper voice(s) found")
    if requested == "piper" or (requested == "auto" and piper_like):
        flag = "--voice" if piper_like else "--engine"
        if not piper_installed:
            raise ConfigError(flag, "piper-tts is not installed (pip install 'wyoming-voice[tts]')")
        where = ", ".join(searched) or "the data directories"
        if piper_like:
            raise ConfigError(
                "--voice",
                f"no Piper voice {voice!r} in {where}: put {voice}.onnx + {voice}.onnx.json "
                f"there or add --download-voice {voice}",
            )
        raise ConfigError(
            "--data-dir",
            f"no Piper voice (NAME.onnx + NAME.onnx.json) in {where}; "
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
    return EnginePlan("espeak-ng", voice, reason)


def build_engine(settings: TtsSettings) -> TtsEngine:
    """Download what was asked for, scan the voice folders and build the planned engine
    (blocking: scans folders and may download; run it in a worker)."""
    # The concrete engines import the types above, so they are imported here.
    from .espeak import EspeakEngine
    from .piper.download import VoiceDownloader, download_voices
    from .piper.engine import PiperEngine
    from .piper.voices import find_piper_voices

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
        searched=[str(folder) for folder in folders],
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
    return EspeakEngine(speech=settings.speech, voice=plan.voice, command=settings.espeak_command)
