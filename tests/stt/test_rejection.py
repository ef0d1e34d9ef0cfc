"""pocketsphinx says "not in my grammar" (an empty transcript) instead of another command.

Real audio through the real server: sentences that are not commands and a command naming a
device the house does not have, spoken by espeak-ng at test time, must come out empty; a
recorded command of ../shared/audio/commands must still come out exactly. Plus the decision
rule on made-up scores and copies (which check rejects, and copies decoded only as needed).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.services import command_transcripts
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.pocketsphinx.grammar import spoken_form
from wyoming_stt.pocketsphinx.rejection import (
    DISAGREEMENTS_TO_REJECT,
    FRAMES_PER_SECOND,
    PERTURBATIONS,
    UTTERANCE_BELOW,
    judge,
    resampled,
    same_request,
)

from .conftest import stt_service
from .wyoming_io import transcribe_once, wav_audio

NAMES = ("Kitchen Lights", "Bed Light", "Front Door", "Office Fan", "Living Room", "Kitchen")
# Not commands at all, and a device this house does not have (espeak-ng's en-us+m3 voice).
# Measured: utterance -0.16, -0.13, -0.11, -0.12 per second, all far under the threshold.
NOT_COMMANDS = (
    "tell me a joke",
    "add apples to my shopping list",
    "order a large pizza",
    "turn on the sauna",
)
# Recorded commands naming the house's devices and areas.
RECORDED_COMMANDS = (
    "set Kitchen brightness to 100 percent",
    "what's the temperature in the Kitchen",
    "unlock the Front Door",
)


@pytest.fixture(scope="module")
def house_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PocketsphinxTranscriber]:
    """The built-in grammar with a small house's names (as HA or --names-file gives them)."""
    names = tmp_path_factory.mktemp("rejection") / "names.txt"
    names.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=names))
    engine.load()
    yield engine
    engine.close()


def _espeak(text: str, folder: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (a system package of .ci/run)")
    path = folder / ("_".join(text.split()) + ".wav")
    subprocess.run(
        ["espeak-ng", "-v", "en-us+m3", "-s", "150", "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


async def test_out_of_grammar_speech_comes_out_empty(
    house_engine: PocketsphinxTranscriber, tmp_path: Path
) -> None:
    """Without rejection each of these came out as some valid command of the grammar."""
    async with stt_service(house_engine) as runner:
        texts = {
            text: (await transcribe_once(runner.uri, *wav_audio(_espeak(text, tmp_path)))).text
            for text in NOT_COMMANDS
        }
    print(f"not commands: {texts}")
    assert texts == dict.fromkeys(NOT_COMMANDS, "")


async def test_commands_of_the_grammar_still_come_through(
    house_engine: PocketsphinxTranscriber,
) -> None:
    """Recorded commands the grammar can say are not rejected."""
    clips = {text: wav for wav, text in command_transcripts() if text in RECORDED_COMMANDS}
    assert len(clips) == len(RECORDED_COMMANDS)
    async with stt_service(house_engine) as runner:
        for reference, wav in clips.items():
            transcript = await transcribe_once(runner.uri, *wav_audio(wav))
            assert transcript.text == spoken_form(reference)


def test_a_copy_is_the_same_sound_played_faster() -> None:
    rate = 16000
    t = np.arange(rate) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 10000).astype(np.int16).tobytes()
    faster = np.frombuffer(resampled(tone, 1.1), dtype=np.int16)
    assert len(faster) == int(rate / 1.1)
    spectrum = np.abs(np.fft.rfft(faster))
    peak_hz = np.argmax(spectrum) * rate / len(faster)
    assert peak_hz == pytest.approx(484, abs=3)  # 440 Hz, 10 % higher
    assert resampled(b"\x01\x00", 1.1) == b"\x01\x00"  # too short to shift


def test_requests_that_differ_only_in_articles_plurals_or_in_are_the_same() -> None:
    assert same_request("turn off all the lights in the kitchen", "turn off light kitchen")
    assert same_request("cancel that timer", "cancel the timer")
    assert same_request("never mind", "nevermind")
    assert not same_request("turn on the bed light", "turn off the bed light")
    assert not same_request("close the sliding door", "pause the sliding door")


def _verdict(utterance_per_second: float, copies: list[str]) -> tuple[bool, int, list[float]]:
    """Whether "turn on the fan" is rejected, after how many copies, and which were asked."""
    asked: list[float] = []

    def decode_copy(factor: float) -> str:
        asked.append(factor)
        return copies[len(asked) - 1]

    result = judge(
        "turn on the fan",
        -1.0 + utterance_per_second,
        phone_score=-1.0,
        frames=FRAMES_PER_SECOND,
        decode_copy=decode_copy,
    )
    assert result.copies == len(asked)
    return result.rejected, result.disagreements, asked


def test_the_copies_are_decoded_only_until_the_outcome_is_certain() -> None:
    same, other = "turn on the fans", "turn off the fan"
    # The utterance check alone: no copy is decoded.
    assert _verdict(UTTERANCE_BELOW * 1.5, []) == (True, 0, [])
    # Enough copies agree: accepted after len - DISAGREEMENTS_TO_REJECT + 1 of them.
    accepted = _verdict(0.0, [same, same, same, same])
    assert accepted == (False, 0, list(PERTURBATIONS[:3]))
    assert not _verdict(0.0, [same, other, same, same])[0]
    # DISAGREEMENTS_TO_REJECT copies ask otherwise: rejected at once.
    assert DISAGREEMENTS_TO_REJECT == 2
    assert _verdict(0.0, [other, "", same, same]) == (True, 2, list(PERTURBATIONS[:2]))
    assert _verdict(0.0, [same, other, other, same]) == (True, 2, list(PERTURBATIONS[:3]))
