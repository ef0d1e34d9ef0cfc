"""Whisper decoding shaped for spoken commands: short windows, batches, stop at the speech's end.

faster-whisper's own `transcribe` always encodes a 30 s window: for a 3 s command about 85 % of
the encoder's work is spent on padding (on this 2-core CPU, Whisper base int8: 1.3 s of 1.6 s).
CTranslate2's Whisper encoder takes any number of frames, so here it runs on the speech plus
one second of padding; the rest of the decoder's 30 s window is the encoder's output for
silence, computed once. On the encoder output of a short window alone, the decoder (trained on
30 s windows) hears worse and says the utterance again and again (../shared/audio/commands:
WER 6.1 % instead of 1.9 %); with the silent tail it hears as on the whole window. Decoding
*with* timestamps, only segments that start before the end of the speech are kept, which
removes any repetition left.

Pure functions on numpy arrays and token lists; the model is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

SAMPLES_PER_FRAME = 160
FRAMES_PER_SECOND = 100
WINDOW_FRAMES = 3000
"""Whisper's window: 30 s of 10 ms frames."""
PAD_FRAMES = 100
"""Silence after the speech (1 s): the decoder hears that the utterance ended."""
TIME_PRECISION = 0.02
"""Seconds per timestamp token."""
LATE_START_SECONDS = 0.3
"""A segment that starts this close to the end of the audio is a repetition, not speech."""
TOKENS_PER_SECOND = 8
EXTRA_TOKENS = 12
MAX_LENGTH = 448
MAX_PROMPT_TOKENS = 223
"""Whisper keeps at most half its context for previous text."""


def encoder_frames(seconds: float) -> int:
    """Frames the encoder runs on for this much speech: whole seconds, at most 30 s."""
    frames = seconds * FRAMES_PER_SECOND + PAD_FRAMES
    return int(min(WINDOW_FRAMES, math.ceil(frames / FRAMES_PER_SECOND) * FRAMES_PER_SECOND))


def log_mel(extract: Callable[..., np.ndarray], audio: np.ndarray, frames: int) -> np.ndarray:
    """Log-mel features of audio followed by silence, exactly `frames` long.

    The silence is part of the audio given to the extractor, so it is normalised like the
    zero padding of Whisper's 30 s windows.
    """
    needed = frames * SAMPLES_PER_FRAME + SAMPLES_PER_FRAME
    padded = np.zeros(max(needed, len(audio) + SAMPLES_PER_FRAME), dtype=np.float32)
    padded[: len(audio)] = audio
    features = extract(padded[:needed] if len(audio) <= needed else padded, padding=0)
    return np.ascontiguousarray(features[:, :frames], dtype=np.float32)


def speech_windows(spans: Sequence[tuple[int, int]], max_samples: int) -> list[tuple[int, int]]:
    """Speech spans (start, end samples) merged into windows no longer than max_samples.

    A span longer than a window is cut into window-sized pieces.
    """
    windows: list[tuple[int, int]] = []
    for span_start, end in spans:
        start = span_start
        while end - start > max_samples:
            windows.append((start, start + max_samples))
            start += max_samples
        if windows and end - windows[-1][0] <= max_samples:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


@dataclass(frozen=True)
class Hypothesis:
    """One text the beam search ended with, and its score."""

    text: str
    score: float
    """Average log-probability per token (CTranslate2's length-normalised score)."""


@dataclass(frozen=True)
class SpecialTokens:
    """The tokenizer's control tokens the decoding needs."""

    sot: int
    sot_prev: int
    transcribe: int
    eot: int
    timestamp_begin: int


def build_prompt(special: SpecialTokens, language_token: int, previous: Sequence[int]) -> list[int]:
    """[previous text], start of transcript, language, transcribe (timestamps on)."""
    prompt: list[int] = []
    if previous:
        prompt = [special.sot_prev, *previous[-MAX_PROMPT_TOKENS:]]
    return [*prompt, special.sot, language_token, special.transcribe]


def max_length(prompt_length: int, seconds: float) -> int:
    """Generation limit: what a fast talker says in `seconds`, plus timestamps."""
    budget = int(seconds * TOKENS_PER_SECOND) + EXTRA_TOKENS
    return min(MAX_LENGTH, prompt_length + budget)


def text_tokens(ids: Sequence[int], special: SpecialTokens, seconds: float) -> list[int]:
    """The text tokens of the segments that start before the audio ends.

    Decoded with timestamps, every segment opens with its start time; one that starts at the
    very end of the audio repeats what was said (the short-window decoder's habit).
    """
    kept: list[int] = []
    open_segment = False
    for token in ids:
        if token >= special.timestamp_begin:
            if not open_segment:
                start = (token - special.timestamp_begin) * TIME_PRECISION
                if start >= seconds - LATE_START_SECONDS:
                    break
            open_segment = not open_segment
        elif token < special.eot:
            kept.append(token)
    return kept


def is_no_speech(
    no_speech_prob: float, avg_logprob: float, threshold: float, logprob_threshold: float
) -> bool:
    """Whisper's own test: the window looks like no speech and the text is unlikely."""
    return no_speech_prob > threshold and avg_logprob < logprob_threshold
