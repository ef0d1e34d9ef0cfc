"""Audio bounds at the edge: the byte budget of one request at the negotiated format."""

from __future__ import annotations

from wyoming_common.audio import EDGE_AUDIO_LIMITS, AudioBudget, AudioFormat, max_audio_bytes


def test_budget_follows_the_negotiated_format() -> None:
    assert max_audio_bytes(AudioFormat(16000, 2, 1), 30) == 960_000
    assert max_audio_bytes(AudioFormat(48000, 4, 2), 30) == 11_520_000
    # The worst format the edge lets through: 30 s stay far below 180 MB.
    worst = AudioFormat(EDGE_AUDIO_LIMITS.max_rate, EDGE_AUDIO_LIMITS.max_width, 2)
    assert max_audio_bytes(worst, 30) < 12 * 1024 * 1024
    # Whole frames only.
    assert max_audio_bytes(AudioFormat(22050, 2, 2), 0.1) % 4 == 0


def test_budget_takes_what_fits_then_nothing() -> None:
    budget = AudioBudget(AudioFormat(16000, 2, 1), 1.0)
    assert budget.take(20_000) == 20_000
    assert not budget.exhausted
    assert budget.take(20_000) == 12_000  # the rest of the 32,000 bytes of a second
    assert budget.exhausted
    assert budget.take(320) == 0
    assert budget.used == 32_000
