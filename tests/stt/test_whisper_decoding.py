"""The pure steps of our Whisper decoding: window sizes, prompts, cutting repetitions, prompt
echoes and loops."""

from __future__ import annotations

import numpy as np

from wyoming_stt.whisper.decoding import (
    SpecialTokens,
    build_prompt,
    encoder_frames,
    log_mel,
    max_length,
    speech_windows,
    text_tokens,
)
from wyoming_stt.whisper.hallucination import (
    cut_loop,
    drop_repetition,
    echoes_prompt,
    hallucinated,
)
from wyoming_stt.whisper.prompt import prompt_items, whisper_prompt
from wyoming_stt.whisper.snapping import NameSnapper

SPECIAL = SpecialTokens(
    sot=50258, sot_prev=50361, transcribe=50359, eot=50257, timestamp_begin=50364
)


def ts(seconds: float) -> int:
    return SPECIAL.timestamp_begin + round(seconds / 0.02)


def test_encoder_runs_on_the_speech_plus_a_second_never_more_than_30_s() -> None:
    assert encoder_frames(0.4) == 200
    assert encoder_frames(2.53) == 400
    assert encoder_frames(29.5) == 3000
    assert encoder_frames(45.0) == 3000


def test_log_mel_pads_with_silence_to_the_frames_asked_for() -> None:
    def extract(audio: np.ndarray, padding: int = 0) -> np.ndarray:
        assert padding == 0
        return np.tile(audio[::160][None, :], (80, 1))

    features = log_mel(extract, np.ones(16000, np.float32), 300)
    assert features.shape == (80, 300)
    assert features[0, :100].min() == 1.0 and features[0, 101:].max() == 0.0


def test_segments_starting_at_the_end_of_the_audio_are_repetitions() -> None:
    words = [1000, 1001, 1002]
    ids = [ts(0.0), *words, ts(2.4), ts(2.4), *words, ts(4.8)]
    assert text_tokens(ids, SPECIAL, seconds=2.5) == words
    two_segments = [ts(0.0), 1000, ts(1.0), ts(1.2), 1001, ts(2.2)]
    assert text_tokens(two_segments, SPECIAL, seconds=2.5) == [1000, 1001]
    assert text_tokens([*words, SPECIAL.eot], SPECIAL, seconds=2.5) == words


def test_prompt_with_previous_text_and_generation_limit() -> None:
    assert build_prompt(SPECIAL, 50259, []) == [SPECIAL.sot, 50259, SPECIAL.transcribe]
    prompt = build_prompt(SPECIAL, 50259, list(range(300)))
    assert prompt[0] == SPECIAL.sot_prev and len(prompt) == 1 + 223 + 3
    assert max_length(4, 3.0) == 4 + 24 + 12
    assert max_length(200, 30.0) == 448


def test_speech_spans_become_windows_of_at_most_30_s() -> None:
    limit = 30 * 16000
    assert speech_windows([], limit) == []
    assert speech_windows([(100, 16000), (20000, 40000)], limit) == [(100, 40000)]
    long = speech_windows([(0, 70 * 16000)], limit)
    assert long == [(0, limit), (limit, 2 * limit), (2 * limit, 70 * 16000)]
    apart = speech_windows([(0, 16000), (25 * 16000, 35 * 16000)], limit)
    assert apart == [(0, 16000), (25 * 16000, 35 * 16000)]


def test_a_whole_repeated_utterance_is_said_once() -> None:
    assert drop_repetition("Turn on the TV. Turn on the TV.") == "Turn on the TV."
    assert drop_repetition("Skip this song, skip this song, skip this song") == "Skip this song"
    assert drop_repetition("Turn the lights on and on") == "Turn the lights on and on"
    assert drop_repetition("What's the time?") == "What's the time?"
    assert drop_repetition("Zoom TV, Zoom TV, Zoom TV, Zoom TV") == "Zoom TV"
    nearly = "Close the Kitchen Windows, Closed the Kitchen Windows, Closed the Kitchen"
    assert drop_repetition(nearly) == "Close the Kitchen Windows"
    assert drop_repetition("Set the lights to blue, please.") == "Set the lights to blue, please."
    assert drop_repetition("Stop. Stop the music.") == "Stop. Stop the music."
    assert drop_repetition("") == ""


def test_near_miss_names_snap_to_the_one_they_sound_like() -> None:
    snapper = NameSnapper(
        ["Bed Light", "EcoBee", "HVAC", "Mood Lighting", "Office RGBW Lights", "Sliding Door"]
    )
    assert snapper.snap("Turn on the bad light.") == "Turn on the Bed Light."
    assert snapper.snap("What is the eco-bee temperature?") == "What is the EcoBee temperature?"
    assert snapper.snap("What is the EcoB temperature?") == "What is the EcoBee temperature?"
    assert snapper.snap("Set the H vac to 21 degrees") == "Set the HVAC to 21 degrees"
    assert snapper.snap("Activate mood lightning") == "Activate Mood Lighting"
    assert snapper.snap("turn on the office RGB lights") == "turn on the Office RGBW Lights"
    # Never a function word, never far, never what is already right.
    assert snapper.snap("turn on the light") == "turn on the light"
    assert snapper.snap("what is the incubi temperature") == "what is the incubi temperature"
    assert snapper.snap("open the sliding door") == "open the sliding door"


def test_ambiguous_near_misses_are_left_alone() -> None:
    snapper = NameSnapper(["Bed Light", "Bad Light"])
    assert snapper.snap("turn on bid light") == "turn on bid light"


def test_no_snap_changes_a_correct_transcript_of_the_benchmark_sets() -> None:
    from tests.support.services import command_transcripts
    from wyoming_voice.bench.stt import HOUSE_VOCABULARY
    from wyoming_voice.bench.stt_audio import COMMANDS, HELDOUT, OTHER

    snapper = NameSnapper((*HOUSE_VOCABULARY.everything, *HELDOUT.house))
    references = [text for _wav, text in command_transcripts()] + [*COMMANDS, *OTHER]
    assert [r for r in references if snapper.snap(r) != r] == []


def test_a_prompt_echoed_back_is_recognised_and_a_command_is_not() -> None:
    names = prompt_items(
        whisper_prompt(["Kitchen Lights", "Kitchen", "Standing Light", "Office", "New York"])
    )
    assert names == ("Kitchen Lights", "Kitchen", "Standing Light", "Office", "New York")
    assert echoes_prompt("Kitchen Lights, Kitchen, Standing Light,", names)
    assert echoes_prompt("Door, office, Bedroom, New York, Office", names)
    assert not echoes_prompt("Turn on the Kitchen Lights, Standing Light.", names)
    assert not echoes_prompt("Turn on the Kitchen Lights and the Standing Light.", names)
    assert not echoes_prompt("Kitchen.", names)
    assert not echoes_prompt("", names)


def test_a_loop_is_found_and_cut_after_its_first_time_round() -> None:
    counting = "1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,"
    assert hallucinated(counting, ())
    assert cut_loop(counting) == "1, 2, 3, 4, 5"
    greeting = "Hello, how are you? Hello, how are you? Hello, how are you? Hello, how"
    assert cut_loop(greeting) == "Hello, how are you"
    for command in (
        "Set a timer for 1 hour and 1 minute.",
        "Turn the lights on and on",
        "Set the brightness of the kitchen lights to 50%.",
        "No, no.",
    ):
        assert not hallucinated(command, ("Kitchen Lights",))
        assert cut_loop(command) == command


def test_no_reference_transcript_of_the_benchmark_sets_looks_hallucinated() -> None:
    from tests.support.services import command_transcripts
    from wyoming_voice.bench.stt import HOUSE_VOCABULARY
    from wyoming_voice.bench.stt_audio import HELDOUT, TUNING

    names = (*HOUSE_VOCABULARY.everything, *HELDOUT.house, *TUNING.house)
    references = [text for _wav, text in command_transcripts()]
    for spec in (HELDOUT, TUNING):
        references += [*spec.commands, *spec.other, *spec.absent, *spec.chatter]
    assert [r for r in references if hallucinated(r, names)] == []
