"""End of speech with Silero VAD, and the pure endpointing rules."""

from __future__ import annotations

import pytest

from voice_pipeline.vad import (
    CommandEndDetector,
    EndReason,
    SileroVad,
    SpeechEndpointer,
    VadSettings,
)
from wyoming_common.worker import ModelWorker

from .harness import command_clip, pcm_of

WINDOW = 0.032
SETTINGS = VadSettings(
    threshold=0.5, silence_seconds=0.7, max_command_seconds=5.0, no_speech_seconds=2.0
)


def run(
    probabilities: list[float], settings: VadSettings = SETTINGS
) -> tuple[EndReason | None, float]:
    endpointer = SpeechEndpointer(settings, WINDOW)
    for probability in probabilities:
        if (reason := endpointer.update(probability)) is not None:
            return reason, endpointer.elapsed
    return None, endpointer.elapsed


def test_silence_after_speech_ends_the_command() -> None:
    reason, elapsed = run([0.0] * 10 + [0.9] * 30 + [0.1] * 40)
    assert reason is EndReason.SILENCE
    assert elapsed == pytest.approx((10 + 30 + 22) * WINDOW)


def test_a_click_is_not_speech_and_pauses_do_not_end_it() -> None:
    assert run([0.9, 0.9] + [0.0] * 40)[0] is None  # 64 ms of "speech": not started
    pauses = ([0.9] * 10 + [0.0] * 15) * 4  # 0.48 s pauses keep the command going
    assert run(pauses)[0] is None


def test_no_speech_and_max_length() -> None:
    assert run([0.1] * 100) == (EndReason.NO_SPEECH, pytest.approx(63 * WINDOW))
    reason, elapsed = run([0.9] * 200)
    assert reason is EndReason.MAX_LENGTH and elapsed == pytest.approx(157 * WINDOW)


@pytest.fixture(scope="module")
def silero() -> SileroVad:
    return SileroVad()


async def test_silero_ends_a_real_command(silero: SileroVad) -> None:
    detector = CommandEndDetector(silero, SETTINGS, ModelWorker("vad"))
    audio = pcm_of(command_clip()) + bytes(32000 * 2)
    fed = 0
    reason = None
    for i in range(0, len(audio), 2048):
        fed += 2048
        if (reason := await detector.feed(audio[i : i + 2048])) is not None:
            break
    assert reason is EndReason.SILENCE
    speech_end = 1.6  # where the speech in the clip ends (energy drops)
    assert speech_end + 0.6 < fed / 32000 < speech_end + 1.3


async def test_silero_hears_no_speech_in_silence(silero: SileroVad) -> None:
    detector = CommandEndDetector(silero, SETTINGS, ModelWorker("vad"))
    reasons = [await detector.feed(bytes(2048)) for _ in range(40)]
    assert EndReason.NO_SPEECH in reasons
