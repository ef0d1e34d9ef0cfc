"""Fixtures for the TTS tests: tiny Piper-format voices (built in the real format, loaded through
piper-tts) and the espeak-ng engine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.services import command_transcripts
from tests.support.tiny_piper import build_tiny_piper_voice
from wyoming_tts.engines import SpeechSettings
from wyoming_tts.espeak import EspeakEngine
from wyoming_tts.piper.engine import PiperEngine
from wyoming_tts.piper.voices import find_piper_voices

from .recognizer import CommandRecognizer

TINY = "en_US-tiny-medium"
DUO = "en_US-duo-low"  # two speakers (alice, bob), 16000 Hz
GERMAN = "de_DE-tiny-low"  # 16000 Hz: a request that lands here is visible in the format


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with three tiny voices."""
    data_dir = tmp_path_factory.mktemp("voices")
    build_tiny_piper_voice(data_dir, TINY)
    build_tiny_piper_voice(data_dir, DUO, num_speakers=2, sample_rate=16000)
    build_tiny_piper_voice(data_dir, GERMAN, sample_rate=16000, language_code="de_DE")
    return data_dir


@pytest.fixture
def piper_engine(voice_dir: Path) -> PiperEngine:
    """The Piper engine over the tiny voices, default en_US-tiny-medium, on the CPU."""
    return PiperEngine(
        find_piper_voices([voice_dir]),
        default_voice=TINY,
        speech=SpeechSettings(),
        device="cpu",
    )


def require_espeak() -> None:
    """espeak-ng is a system package: fail under CI when missing, else skip."""
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)")
        pytest.skip("espeak-ng is not installed")


@pytest.fixture
def espeak_engine() -> EspeakEngine:
    """The espeak-ng engine with its default voice (en-us)."""
    require_espeak()
    return EspeakEngine(speech=SpeechSettings())


@pytest.fixture(scope="session")
def recognizer(tmp_path_factory: pytest.TempPathFactory) -> CommandRecognizer:
    """pocketsphinx with a grammar of every command transcript in ../shared (plus the phrase
    of the issue's acceptance check, whose plural is among the transcripts)."""
    phrases = [text for _path, text in command_transcripts()] + ["Turn on the kitchen light"]
    return CommandRecognizer(phrases, tmp_path_factory.mktemp("grammar"))
