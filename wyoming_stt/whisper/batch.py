"""Encode and decode several windows of speech at once on a loaded faster-whisper model."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from wyoming_common.worker import CancelToken

from .decoding import (
    SAMPLES_PER_FRAME,
    WINDOW_FRAMES,
    Hypothesis,
    SpecialTokens,
    build_prompt,
    encoder_frames,
    is_no_speech,
    log_mel,
    max_length,
    speech_windows,
    text_tokens,
)
from .hallucination import cut_loop, drop_repetition, hallucinated
from .prompt import prompt_items

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# Silence and noise must give no text: Silero VAD drops non-speech before decoding, and a
# window that still looks like no speech is dropped (Whisper's own no-speech test).
VAD_OPTIONS = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0


@dataclass(frozen=True)
class Window:
    """Up to 30 s of speech of one request, with its language (None: detect) and prompt."""

    request: int
    audio: np.ndarray
    language: str | None
    prompt: tuple[str, ...]

    @property
    def seconds(self) -> float:
        """Duration of the speech."""
        return len(self.audio) / SAMPLE_RATE


class WhisperBatch:
    """The decoding steps of faster-whisper's pipeline, reshaped for batches of commands."""

    def __init__(self, model: Any, *, beam_size: int = 5) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self._model = model
        self._beam_size = beam_size
        self._multilingual = bool(model.model.is_multilingual)
        base = Tokenizer(model.hf_tokenizer, self._multilingual, task="transcribe", language="en")
        self._tokenizer_class = Tokenizer
        self._base = base
        self.special = SpecialTokens(
            sot=base.sot,
            sot_prev=base.sot_prev,
            transcribe=base.transcribe,
            eot=base.eot,
            timestamp_begin=base.timestamp_begin,
        )
        self._prompt_tokens = lru_cache(maxsize=64)(self._encode_prompt)
        self.count_tokens = lru_cache(maxsize=4096)(self._count_tokens)
        self._silence = self._encode_silence()

    def _encode_silence(self) -> np.ndarray:
        """The encoder's output for a 30 s window of silence (the tail behind every window)."""
        import ctranslate2

        features = log_mel(self._model.feature_extractor, np.zeros(0, np.float32), WINDOW_FRAMES)
        encoded = self._model.model.encode(
            ctranslate2.StorageView.from_array(features[None]), to_cpu=True
        )
        return np.array(encoded)

    def _encode(self, windows: Sequence[Window]) -> Any:
        """Encoder output for 30 s windows: the speech's frames encoded, silence's behind.

        The encoder runs only on the speech plus up to a second of padding (a fraction of the
        30 s window); the decoder still sees a whole window, whose tail is the encoded
        silence: it was trained on such windows, and on a short one it hears worse and repeats
        itself. Each window is encoded on its own length, windows of the same length together:
        beside a longer one it would be encoded with more silence than alone, and a crowd's
        transcript could differ from the same request's alone (seen: 1 of 64).
        """
        import ctranslate2

        lengths: dict[int, list[int]] = {}
        for index, window in enumerate(windows):
            lengths.setdefault(encoder_frames(window.seconds), []).append(index)
        encoded = np.repeat(self._silence, len(windows), axis=0)
        extract = self._model.feature_extractor
        for frames, members in lengths.items():
            features = np.stack([log_mel(extract, windows[i].audio, frames) for i in members])
            speech = np.asarray(
                self._model.model.encode(ctranslate2.StorageView.from_array(features), to_cpu=True)
            )
            encoded[members, : speech.shape[1]] = speech
        return ctranslate2.StorageView.from_array(encoded)

    def _encode_prompt(self, text: str) -> tuple[int, ...]:
        return tuple(self._base.encode(" " + text.strip()))

    def _count_tokens(self, text: str) -> int:
        """Tokens of text (for the prompt's names; cached in count_tokens)."""
        return len(self._base.encode(text))

    def speech(self, audio: np.ndarray) -> list[np.ndarray]:
        """The speech in audio as windows of at most 30 s (none: no speech at all)."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        spans = get_speech_timestamps(audio, VadOptions(**VAD_OPTIONS))
        limit = WINDOW_FRAMES * SAMPLES_PER_FRAME
        pairs = [(int(span["start"]), int(span["end"])) for span in spans]
        return [audio[start:end] for start, end in speech_windows(pairs, limit)]

    def decode(
        self, windows: Sequence[Window], token: CancelToken
    ) -> list[tuple[tuple[Hypothesis, ...], str | None]]:
        """(hypotheses, language) of every window: the beam's texts, best first (up to the
        beam size; none for a window that holds no speech)."""
        encoded = self._encode(windows)
        languages = self._languages(windows, encoded)
        if token.cancelled:
            return [((), language) for language in languages]
        prompts = [
            self._prompt(window, language)
            for window, language in zip(windows, languages, strict=True)
        ]
        found = self._generate(windows, encoded, prompts, range(len(windows)), token)
        # A prompt echoed or a loop (hallucination.py), or nothing heard in speech the VAD
        # found (a long prompt of names raises Whisper's no-speech probability on a short
        # command): once more without the prompt.
        again = [
            index
            for index, window in enumerate(windows)
            if window.prompt
            and (
                not found[index]
                or hallucinated(
                    found[index][0].text, (i for p in window.prompt for i in prompt_items(p))
                )
            )
        ]
        if again and not token.cancelled:
            _LOGGER.debug(
                "faster-whisper: %d window(s) heard nothing, echoed the prompt or looped (%r); "
                "decoding them again without the prompt",
                len(again),
                found[again[0]][0].text if found[again[0]] else "",
            )
            bare = [
                self._prompt(replace(window, prompt=()), lang)
                for window, lang in zip(windows, languages, strict=True)
            ]
            retried = self._generate(windows, encoded, bare, again, token)
            for index in again:
                found[index] = retried[index]
        return [
            (tuple(replace(h, text=cut_loop(h.text)) for h in hypotheses), language)
            for hypotheses, language in zip(found, languages, strict=True)
        ]

    def _generate(
        self,
        windows: Sequence[Window],
        encoded: Any,
        prompts: Sequence[list[int]],
        which: Iterable[int],
        token: CancelToken,
    ) -> list[tuple[Hypothesis, ...]]:
        """Hypotheses of the windows `which` (others: none) decoded after their prompts."""
        import ctranslate2

        # CTranslate2 decodes a batch only when the transcript starts at the same position in
        # every prompt: group the windows by prompt length (usually one group).
        found: list[tuple[Hypothesis, ...]] = [()] * len(windows)
        groups: dict[int, list[int]] = {}
        for index in which:
            groups.setdefault(len(prompts[index]), []).append(index)
        whole = len(groups) == 1 and len(next(iter(groups.values()))) == len(windows)
        array = None if whole else np.asarray(encoded)
        for length, members in groups.items():
            if token.cancelled:
                break
            part = (
                encoded
                if array is None
                else ctranslate2.StorageView.from_array(np.ascontiguousarray(array[members]))
            )
            longest = max(windows[i].seconds for i in members)
            outputs = self._model.model.generate(
                part,
                [prompts[i] for i in members],
                beam_size=self._beam_size,
                num_hypotheses=self._beam_size,
                max_length=max_length(length, longest),
                return_scores=True,
                return_no_speech_prob=True,
            )
            for index, output in zip(members, outputs, strict=True):
                found[index] = self._hypotheses(windows[index], output)
        return found

    def _languages(self, windows: Sequence[Window], encoded: Any) -> list[str | None]:
        languages = [window.language for window in windows]
        if not self._multilingual:
            return ["en" if lang is None else lang for lang in languages]
        unknown = [i for i, lang in enumerate(languages) if lang is None]
        if unknown:
            import ctranslate2

            array = np.asarray(encoded)
            part = ctranslate2.StorageView.from_array(np.ascontiguousarray(array[unknown]))
            for index, ranked in zip(unknown, self._model.model.detect_language(part), strict=True):
                languages[index] = ranked[0][0][2:-2]  # "<|de|>" → "de"
        return languages

    def _prompt(self, window: Window, language: str | None) -> list[int]:
        tokenizer = self._tokenizer(language or "en")
        previous: list[int] = []
        for text in window.prompt:
            previous.extend(self._prompt_tokens(text))
        return build_prompt(self.special, tokenizer.language, previous)

    @lru_cache(maxsize=16)  # noqa: B019 - one tokenizer per language, as long as the model lives
    def _tokenizer(self, language: str) -> Any:
        return self._tokenizer_class(
            self._model.hf_tokenizer, self._multilingual, task="transcribe", language=language
        )

    def _hypotheses(self, window: Window, output: Any) -> tuple[Hypothesis, ...]:
        """The output's texts, best first; none when the best is no speech or no text."""
        scores = [float(score) for score in output.scores] or [0.0] * len(output.sequences_ids)
        no_speech = float(output.no_speech_prob)
        if not scores or is_no_speech(
            no_speech, scores[0], NO_SPEECH_THRESHOLD, LOG_PROB_THRESHOLD
        ):
            return ()
        found: list[Hypothesis] = []
        for ids, score in zip(output.sequences_ids, scores, strict=True):
            text = self._base.decode(text_tokens(ids, self.special, window.seconds)).strip()
            if text:
                found.append(Hypothesis(drop_repetition(text), score))
            elif not found:
                return ()  # the best hypothesis holds no text: the window has none
        return tuple(found)
