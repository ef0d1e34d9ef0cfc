"""Our own voice from espeak-ng, and the room of wyoming_voice.bench.satellite_room (a speaker
whose sound reaches the microphone)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from wyoming_common.audio import STT_FORMAT, convert_pcm, read_wav
from wyoming_voice.bench.satellite_room import Played, RoomSpeaker

__all__ = ["Played", "RoomSpeaker", "espeak"]


def espeak(text: str) -> bytes:
    """text spoken by espeak-ng, as 16 kHz mono 16-bit PCM (our embedded TTS voice)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(path), text], check=True, timeout=30)
        pcm, fmt = read_wav(path)
    return convert_pcm(pcm, fmt.validate(), STT_FORMAT)
