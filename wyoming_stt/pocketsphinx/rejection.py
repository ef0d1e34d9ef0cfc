"""Saying "not in my grammar" instead of guessing: three checks of the grammar's best path.

A grammar always finds *some* phrase, so an utterance outside it (or a mishearing) comes out as
the closest command, and the agent would carry it out. The same audio is decoded a second time
with an unconstrained phone loop (pocketsphinx's en-us phone language model): the best sound
sequence, whatever the words. The transcript is rejected (empty) when any of these holds:

1. **utterance**: the grammar's whole path (acoustic + grammar scores) is clearly worse than
   the phone loop's, per second of audio;
2. **worst word**: one word of the transcript (typically the name the speaker did not say) is
   clearly worse than the phone loop over the same frames (the phone loop's acoustic and
   phone-LM scores of those frames, prorated for phones that straddle the word's edges);
3. **ambiguity**: the grammar's second-best complete phrase (n-best from its lattice) differs
   and scores almost the same: the decoder could not choose.

Scores are the natural logs of what pocketsphinx reports (its scaled log-probabilities), so the
thresholds are in those units. They were calibrated on a tuning set that `bench stt` never
uses (other names, other sentences; see docs/stt.md), and measured on `bench stt`'s held-out
set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

PHONE_SEARCH = "phone-loop"
FRAMES_PER_SECOND = 100
UTTERANCE_BELOW = -0.07
"""Grammar minus phone loop per second, whole utterance."""
WORD_BELOW = -0.05
"""Grammar word minus phone loop over its frames (total, not per frame)."""
MARGIN_BELOW = 0.002
"""Best minus the best complete phrase of the n-best list that differs in what it asks (see
same_request)."""
NBEST_DEPTH = 5
_NOT_WORDS = ("<s>", "</s>", "<sil>", "(NULL)", "[NOISE]")
_MINOR_WORDS = frozenset(("the", "a", "an", "that", "this", "of", "all", "my"))
"""Words whose presence does not change a request ("turn off all the lights")."""


@dataclass(frozen=True)
class Span:
    """One segment of a decode: frames [start, end], its acoustic and language log scores."""

    word: str
    start: int
    end: int
    acoustic: float
    language: float

    @property
    def frames(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Confidence:
    """The three measures (margin NaN when not needed), and whether they reject."""

    utterance: float
    worst_word: float
    margin: float
    rejected: bool

    def describe(self) -> str:
        """For the DEBUG log."""
        return (
            f"utterance {self.utterance:+.3f}/s, worst word {self.worst_word:+.3f}, "
            f"n-best margin {self.margin:.4f}{' (rejected)' if self.rejected else ''}"
        )


def add_phone_loop(decoder: Any) -> None:
    """Give the decoder the phone-loop search (the phone LM ships with pocketsphinx)."""
    import pocketsphinx

    path = os.path.join(pocketsphinx.get_model_path("en-us"), "en-us-phone.lm.bin")
    decoder.add_allphone_file(PHONE_SEARCH, path)


def log_score(score: float) -> float:
    """pocketsphinx reports scores as probabilities; their natural log (floored)."""
    return math.log(max(score, 1e-300))


def spans(decoder: Any) -> list[Span]:
    """The segments of the decoder's last utterance."""
    return [
        Span(
            str(seg.word),
            int(seg.start_frame),
            int(seg.end_frame),
            log_score(seg.ascore),
            log_score(seg.lscore),
        )
        for seg in (decoder.seg() or ())
    ]


def same_request(first: str, second: str) -> bool:
    """Whether two phrases ask the same (up to articles and plurals: "light" / "lights")."""

    def key(text: str) -> tuple[str, ...]:
        return tuple(w.removesuffix("s") for w in text.split() if w not in _MINOR_WORDS)

    return key(first) == key(second)


def nbest_margin(decoder: Any, text: str) -> float:
    """How much better the best phrase is than the best complete one asking something else
    (inf: none among the first NBEST_DEPTH)."""
    words = len(text.split())
    best: float | None = None
    first = ""
    for index, entry in enumerate(decoder.nbest() or ()):
        if index >= NBEST_DEPTH:
            break
        score, phrase = log_score(entry.score), str(entry.hypstr)
        if best is None:
            best, first = score, phrase
        elif len(phrase.split()) >= words and not same_request(first, phrase):
            return best - score
    return math.inf


def phone_loop(decoder: Any, audio: bytes) -> tuple[float, list[Span]]:
    """Decode with the phone loop: its path score and segments."""
    decoder.activate_search(PHONE_SEARCH)
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return log_score(hyp.score if hyp is not None else 0.0), spans(decoder)


def _phones_over(phones: Sequence[Span], start: int, end: int) -> float:
    """The phone loop's score over frames [start, end], partial phones prorated."""
    total = 0.0
    for phone in phones:
        overlap = min(end, phone.end) - max(start, phone.start) + 1
        if overlap > 0:
            total += (phone.acoustic + phone.language) * overlap / phone.frames
    return total


def worst_word(words: Sequence[Span], phones: Sequence[Span]) -> float:
    """The lowest (word score - phone loop over the word's frames) of the spoken words."""
    deltas = [
        w.acoustic + w.language - _phones_over(phones, w.start, w.end)
        for w in words
        if w.word not in _NOT_WORDS and not w.word.startswith("<")
    ]
    return min(deltas, default=0.0)


def judge(
    grammar_score: float,
    words: Sequence[Span],
    *,
    margin: Callable[[], float],
    phone_score: float,
    phones: Sequence[Span],
    frames: int,
) -> Confidence:
    """The three measures of one utterance against the thresholds (margin: asked lazily)."""
    utterance = (grammar_score - phone_score) / (max(frames, 1) / FRAMES_PER_SECOND)
    worst = worst_word(words, phones)
    if utterance < UTTERANCE_BELOW or worst < WORD_BELOW:
        return Confidence(utterance, worst, math.nan, rejected=True)
    # The n-best list costs about half a decode: only asked when the others pass.
    gap = margin()
    return Confidence(utterance, worst, gap, rejected=gap < MARGIN_BELOW)
