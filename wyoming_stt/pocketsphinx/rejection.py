"""Saying "not in my grammar" instead of guessing: two checks of the grammar's best phrase.

A grammar always finds *some* phrase, so an utterance outside it (or a mishearing) comes out as
the closest command, and the agent would carry it out. The transcript is rejected (empty) when:

1. **utterance**: the grammar's whole path (acoustic + grammar scores) is clearly worse, per
   second of audio, than an unconstrained phone loop's (pocketsphinx's en-us phone language
   model: the best sound sequence, whatever the words) on the same audio;
2. **stability**: copies of the audio played slightly faster or slower (resampled by a few per
   cent: tempo and pitch shift together) are decoded with the same grammar, and at least
   DISAGREEMENTS_TO_REJECT of them ask for something else (see same_request). A phrase the
   audio really holds survives such a shift; a guess usually flips to another guess. The
   copies are asked for one by one and only until the outcome is certain; with two or more
   CPUs a second process decodes most of them meanwhile (copies.py).

Scores are the natural logs of what pocketsphinx reports (its scaled log-probabilities), so the
utterance threshold is in those units. Both were chosen on a tuning set that `bench stt` never
uses (other names, other sentences; see docs/stt.md) and measured on `bench stt`'s held-out
set. pocketsphinx's path scores are relative to the best competitor in each frame, so the
utterance measure depends on the grammar: the smaller the grammar, the higher the scores (the
typed name slots raised them by 0.012/s, median, for the same phrases of the tuning set). A
house with many names is therefore stricter, not looser.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PHONE_SEARCH = "phone-loop"
FRAMES_PER_SECOND = 100
UTTERANCE_BELOW = -0.048
"""Grammar minus phone loop per second, whole utterance. Chosen with the typed name slots, 2 of
4 copies, on the tuning set (commands exact of 60 / false commands asking something else /
wrong transcripts empty) and the 73 synthesized commands (WER): -0.045: 29 / 0 / 93 %, 9.0 %;
-0.048: 29 / 1 / 92 %, 6.0 %; -0.055: 30 / 4 / 87 %, 6.0 %; -0.07: 32 / 5 / 85 %, 5.3 %."""
PERTURBATIONS = (1.03, 1.06, 0.97, 1.1)
"""Playback-rate factors of the copies, in the order they are decoded."""
DISAGREEMENTS_TO_REJECT = 2
_MINOR_WORDS = frozenset(("the", "a", "an", "that", "this", "of", "all", "my", "in"))
"""Words whose presence does not change a request ("turn off all the lights in the hall")."""


@dataclass(frozen=True)
class Confidence:
    """The measures of one transcript, and whether they reject it."""

    utterance: float
    disagreements: int = 0
    copies: int = 0
    """Perturbed copies decoded (0: the utterance check alone decided)."""
    rejected: bool = False

    def describe(self) -> str:
        """For the DEBUG log."""
        return (
            f"utterance {self.utterance:+.3f}/s, {self.disagreements} of {self.copies} "
            f"shifted copies ask otherwise{' (rejected)' if self.rejected else ''}"
        )


def add_phone_loop(decoder: Any) -> None:
    """Give the decoder the phone-loop search (the phone LM ships with pocketsphinx)."""
    import pocketsphinx

    path = os.path.join(pocketsphinx.get_model_path("en-us"), "en-us-phone.lm.bin")
    decoder.add_allphone_file(PHONE_SEARCH, path)


def log_score(score: float) -> float:
    """pocketsphinx reports scores as probabilities; their natural log (floored)."""
    return math.log(max(score, 1e-300))


def same_request(first: str, second: str) -> bool:
    """Whether two phrases ask the same (up to articles, plurals and spaces: "light" /
    "lights", "never mind" / "nevermind")."""

    def key(text: str) -> str:
        return "".join(w.removesuffix("s") for w in text.split() if w not in _MINOR_WORDS)

    return key(first) == key(second)


def phone_loop(decoder: Any, audio: bytes) -> float:
    """Decode with the phone loop: its path score."""
    decoder.activate_search(PHONE_SEARCH)
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return log_score(hyp.score if hyp is not None else 0.0)


def resampled(pcm: bytes, factor: float) -> bytes:
    """16-bit PCM played `factor` times faster (linear interpolation; pitch shifts too)."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    count = int(len(samples) / factor)
    if count < 2 or len(samples) < 2:
        return pcm
    positions = np.arange(count, dtype=np.float64) * factor
    shifted = np.interp(positions, np.arange(len(samples)), samples)
    return bytes(np.clip(np.round(shifted), -32768, 32767).astype(np.int16).tobytes())


def judge(
    text: str,
    grammar_score: float,
    *,
    phone_score: float,
    frames: int,
    decode_copy: Callable[[float], str],
) -> Confidence:
    """The checks of one transcript (decode_copy(factor): the grammar's phrase for a copy
    played that much faster; called only while the outcome is open)."""
    utterance = (grammar_score - phone_score) / (max(frames, 1) / FRAMES_PER_SECOND)
    if utterance < UTTERANCE_BELOW:
        return Confidence(utterance, rejected=True)
    agree_to_accept = len(PERTURBATIONS) - DISAGREEMENTS_TO_REJECT + 1
    agreements = disagreements = 0
    for factor in PERTURBATIONS:
        if same_request(text, decode_copy(factor)):
            agreements += 1
        else:
            disagreements += 1
        if disagreements >= DISAGREEMENTS_TO_REJECT or agreements >= agree_to_accept:
            break
    rejected = disagreements >= DISAGREEMENTS_TO_REJECT
    return Confidence(utterance, disagreements, agreements + disagreements, rejected)
