"""A real recogniser to check that synthesized speech is intelligible: pocketsphinx (its en-us
model ships in the wheel) constrained by a JSGF grammar of every command transcript.

Used directly rather than through wyoming_stt, whose server was still being written when these
tests were; the grammar makes the check a closed-set one, so a control (audio compared with the
wrong transcripts) shows the recogniser really discriminates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

# Tuned on espeak-ng speech (all 71 commands): filler (noise/silence) words in the grammar search
# made pocketsphinx lose words in espeak's short pauses (WER 37 %); without them, silence at the
# ends cannot be absorbed, so it is trimmed first (WER 3 %).
DECODER_OPTIONS: dict[str, Any] = {
    "fsgusefiller": False,
    "beam": 1e-60,
    "wbeam": 1e-40,
    "pbeam": 1e-60,
}


def _number(value: int) -> str:
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(value, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {_number(rest)}" if rest else "")


def spoken_words(text: str) -> list[str]:
    """Lower-case words with numbers spelled out ("75 percent" → seventy five percent)."""
    text = re.sub(r"\d+", lambda match: f" {_number(int(match.group()))} ", text.lower())
    return re.sub(r"[^a-z' ]", " ", text).split()


def trim_silence(pcm: bytes, margin: float = 0.06) -> bytes:
    """16 kHz PCM without the silence before and after the speech (a small margin kept)."""
    samples = np.frombuffer(pcm, dtype="<i2")
    if samples.size == 0:
        return pcm
    loud = np.nonzero(np.abs(samples.astype(np.int32)) > 0.02 * np.abs(samples).max())[0]
    if loud.size == 0:
        return pcm
    keep = int(margin * STT_FORMAT.rate)
    return samples[max(0, loud[0] - keep) : loud[-1] + keep].tobytes()


class CommandRecognizer:
    """pocketsphinx with a grammar of the given phrases (those it can pronounce)."""

    def __init__(self, phrases: list[str], work_dir: Path) -> None:
        from pocketsphinx import Decoder

        probe = Decoder(lm=None)
        self.phrases = [
            phrase
            for phrase in phrases
            if all(probe.lookup_word(word) is not None for word in spoken_words(phrase))
        ]
        alternatives = " | ".join(f"( {' '.join(spoken_words(p))} )" for p in self.phrases)
        grammar = work_dir / "commands.jsgf"
        grammar.write_text(
            f"#JSGF V1.0;\ngrammar commands;\npublic <command> = {alternatives};\n",
            encoding="utf-8",
        )
        self._decoder = Decoder(jsgf=str(grammar), loglevel="FATAL", **DECODER_OPTIONS)

    def transcribe(self, pcm: bytes, fmt: AudioFormat) -> str:
        """The phrase heard in the audio ('' when none)."""
        audio = trim_silence(convert_pcm(pcm, fmt, STT_FORMAT))
        self._decoder.start_utt()
        self._decoder.process_raw(audio, full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""
