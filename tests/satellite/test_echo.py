"""Issue 16 item 3: the echo canceller (libspeexdsp) on our own voice played through a
speaker-to-microphone simulation made with sox (band limits, reverb, delay, room noise)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from satellite.devices.echo import build_echo_filter, load_speexdsp
from satellite.wake.stop import load_stop_detector
from tests.support.services import shared_path
from wyoming_common.audio import STT_FORMAT, AudioFormat, read_wav

from .harness import pcm_of
from .room import espeak

REPLY = (
    "Here is the weather for today. It will be sunny with a high of twenty degrees and a "
    "light wind from the west, and tomorrow brings rain in the afternoon."
)


@pytest.fixture(scope="module")
def speex() -> None:
    if load_speexdsp() is None:
        if os.environ.get("CI"):
            pytest.fail("libspeexdsp1 is not installed")
        pytest.skip("libspeexdsp1 is not installed")


def through_the_room(pcm: bytes) -> np.ndarray:
    """What the microphone hears of what the speaker plays: sox's speaker-to-mic simulation."""
    with tempfile.TemporaryDirectory() as folder:
        dry, wet = Path(folder) / "dry.wav", Path(folder) / "wet.wav"
        subprocess.run(
            ["sox", "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1", "-",
             str(dry)],
            input=pcm, check=True, timeout=30,
        )  # fmt: skip
        subprocess.run(
            ["sox", str(dry), str(wet), "highpass", "120", "lowpass", "5000",
             "reverb", "40", "50", "70", "gain", "-2", "pad", "0.08", "0", "remix", "-"],
            check=True, timeout=30, capture_output=True,
        )  # fmt: skip
        audio, fmt = read_wav(wet)
    assert fmt == STT_FORMAT
    return np.frombuffer(audio, dtype="<i2").astype(np.float32)


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9))


def _cancel(mic: np.ndarray, reference: bytes) -> np.ndarray:
    echo = build_echo_filter("speex")
    assert echo is not None
    echo.push(reference, AudioFormat(16000, 2, 1))
    pcm = np.clip(mic, -32768, 32767).astype("<i2").tobytes()
    out = b"".join(echo.process(pcm[i : i + 2048]) for i in range(0, len(pcm), 2048))
    return np.frombuffer(out, dtype="<i2").astype(np.float32)


def test_our_voice_is_removed_and_stop_is_heard_over_it(speex: None) -> None:
    reference = espeak(REPLY)
    echo = through_the_room(reference)
    room_noise = (
        np.resize(
            np.frombuffer(pcm_of(shared_path("audio", "misc", "background_noise.wav")), "<i2"),
            echo.size,
        ).astype(np.float32)
        * 0.05
    )
    mic = echo + room_noise
    cleaned = _cancel(mic, reference)
    settled = 2 * 16000  # the canceller adapts during the first seconds
    erle = _db(mic[settled : cleaned.size]) - _db(cleaned[settled:])
    print(f"\necho return loss enhancement after 2 s: {erle:.1f} dB")
    assert erle > 10.0

    stop = np.frombuffer(espeak("Stop!"), dtype="<i2").astype(np.float32)
    at = 4 * 16000
    level = _db(echo[at : at + stop.size]) - _db(stop[np.abs(stop) > 100])
    with_stop = mic.copy()
    with_stop[at : at + stop.size] += stop * 10 ** ((level - 6) / 20)  # 6 dB under the reply
    detector = load_stop_detector("stop")

    def heard(signal: np.ndarray) -> bool:
        detector.reset()
        pcm = np.clip(signal, -32768, 32767).astype("<i2").tobytes()
        return any(detector.process(pcm[i : i + 2048]) for i in range(0, len(pcm), 2048))

    assert heard(_cancel(with_stop, reference))
    assert not heard(with_stop)  # without the canceller the reply drowns it
