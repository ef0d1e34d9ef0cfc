"""pocketsphinx says "not in my grammar" (an empty transcript) instead of another command.

Real audio through the real server: sentences that are not commands and a command naming a
device the house does not have, spoken by espeak-ng at test time, must come out empty; a
recorded command of ../shared/audio/commands must still come out exactly. Plus the decision
rule on made-up scores (which check rejects, and the n-best list only when needed).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import command_transcripts
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.pocketsphinx.grammar import spoken_form
from wyoming_stt.pocketsphinx.rejection import (
    MARGIN_BELOW,
    UTTERANCE_BELOW,
    WORD_BELOW,
    Span,
    judge,
    worst_word,
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


def _span(word: str, start: int, end: int, score: float) -> Span:
    return Span(word, start, end, acoustic=score, language=0.0)


def test_the_worst_word_is_compared_with_the_phones_over_its_own_frames() -> None:
    words = [_span("<sil>", 0, 9, -5.0), _span("turn", 10, 29, -0.10), _span("sauna", 30, 59, -0.3)]
    # Phones: 10 frames each, -0.05 apiece; the one over frames 25..34 is split 5/5.
    phones = [_span("P", start, start + 9, -0.05) for start in range(5, 65, 10)]
    assert worst_word(words, phones) == pytest.approx(-0.3 - 3 * -0.05)


def test_each_check_rejects_on_its_own_and_the_n_best_is_asked_only_when_needed() -> None:
    words = [_span("turn", 0, 99, -1.0)]
    phones = [_span("P", 0, 99, -1.0)]
    asked: list[bool] = []

    def margin(value: float) -> object:
        def ask() -> float:
            asked.append(True)
            return value

        return ask

    def verdict(grammar: float, phone: float, gap: float) -> bool:
        return judge(
            grammar, words, margin=margin(gap), phone_score=phone, phones=phones, frames=100
        ).rejected

    assert not verdict(-1.0, -1.0, 1.0)
    assert asked == [True]
    assert verdict(-1.0 + UTTERANCE_BELOW * 1.5, -1.0, 1.0)  # utterance
    assert asked == [True]
    assert verdict(-1.0, -1.0, MARGIN_BELOW / 2)  # n-best ambiguity
    low_word = [_span("turn", 0, 99, -1.0 + WORD_BELOW * 2)]
    result = judge(-1.0, low_word, margin=lambda: 1.0, phone_score=-1.0, phones=phones, frames=100)
    assert result.rejected and math.isnan(result.margin)
