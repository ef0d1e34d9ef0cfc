"""Saying "not in my grammar" instead of guessing: the grammar's path against a phone loop.

A grammar always finds *some* phrase, so an utterance outside it (or a mishearing) comes out as
the closest command, and the agent carries it out. Decoding the same audio a second time with
an unconstrained phone loop (pocketsphinx's en-us phone language model) gives the score of the
best sound sequence, whatever the words; the grammar's best path scores close to it when the
speaker said a phrase of the grammar and far below it when not. The difference per second of
audio (in natural log units) is the confidence; below the threshold the transcript is empty.
Measured on ../shared/audio/commands and the held-out set of `bench stt` (see
REJECT_BELOW).
"""

from __future__ import annotations

import math
import os
from typing import Any

PHONE_SEARCH = "phone-loop"
FRAMES_PER_SECOND = 100
REJECT_BELOW = -0.15
"""Confidence (grammar minus phone loop, pocketsphinx's path scores as natural logs of their
probabilities, per second) under which nothing is said.

Measured on the clips of `bench stt` (server path, built-in grammar with the house's names):
commands recognised exactly scored -0.13 to +0.11 (61 of 66 above -0.07); mishearings of the
noisy held-out set -0.10 to +0.04 (8 of 12 below -0.06), those of the clean set -0.06 to
+0.07. The score also moves by ~0.05 with a change of the input's last bit (16-bit rounding),
so a threshold inside that overlap would reject right commands at random: this one only
rejects audio the grammar clearly cannot explain. Near misses pass; see docs/stt.md.
"""


def add_phone_loop(decoder: Any) -> None:
    """Give the decoder the phone-loop search (the phone LM ships with pocketsphinx)."""
    import pocketsphinx

    path = os.path.join(pocketsphinx.get_model_path("en-us"), "en-us-phone.lm.bin")
    decoder.add_allphone_file(PHONE_SEARCH, path)


def log_score(score: float) -> float:
    """pocketsphinx reports path scores as probabilities; their natural log (floored)."""
    return math.log(max(score, 1e-300))


def confidence(decoder: Any, audio: bytes, grammar_score: float, frames: int) -> float:
    """How much worse than the phone loop the grammar's path is, per second (≤ 0 usually)."""
    decoder.activate_search(PHONE_SEARCH)
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    phone_score = hyp.score if hyp is not None else 1e-300
    seconds = max(frames, 1) / FRAMES_PER_SECOND
    return (log_score(grammar_score) - log_score(phone_score)) / seconds
