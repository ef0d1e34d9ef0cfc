"""The faster-whisper engine: CTranslate2 Whisper on CUDA (float16) or CPU (int8).

Requests come in batches (wyoming_stt.batching): their speech is found with Silero VAD, encoded
together on its real length (not a 30 s window) and decoded together, greedily for commands.
Names from Home Assistant, --names-file and the client's transcript_names go into the prompt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wyoming_common.errors import ConfigError, EngineError
from wyoming_common.info import wyoming_language
from wyoming_common.worker import CancelToken

from ..biasing import unique
from ..engines import (
    SAMPLE_RATE,
    ModelCard,
    TranscriptionRequest,
    TranscriptSegment,
    Vocabulary,
)
from ..names_file import read_names_file
from ..selection import select_compute_type, select_device
from .alternatives import choose
from .batch import WhisperBatch, Window
from .command_snapping import CommandSnapper
from .decoding import MAX_PROMPT_TOKENS, Hypothesis
from .model_files import describe_model, locate_model
from .prompt import prompt_names, whisper_prompt
from .snapping import NameSnapper

_LOGGER = logging.getLogger(__name__)

WARM_UP_SECONDS = 1.0
MAX_BATCH = 16
"""Requests decoded together; more wait for the next batch (memory and fairness)."""


@dataclass(frozen=True)
class WhisperOptions:
    """How to find, load and run the Whisper model."""

    model: str
    device: str = "auto"
    compute_type: str = "auto"
    language: str | None = None
    beam_size: int = 5
    data_dirs: tuple[Path, ...] = ()
    download_dir: Path = Path(".")
    names_file: Path | None = None
    cpu_threads: int = 0


class FasterWhisperTranscriber:
    """Transcriber backed by a faster_whisper.WhisperModel (imported in load only)."""

    engine_name = "faster-whisper"
    streams_partial_text = True
    max_batch = MAX_BATCH

    def __init__(self, options: WhisperOptions) -> None:
        self.options = options
        self._model: Any = None
        self._batch: WhisperBatch | None = None
        self._card: ModelCard | None = None
        self._languages: frozenset[str] = frozenset()
        self._file_vocabulary = Vocabulary()
        self._vocabulary = Vocabulary()
        self._snapper = NameSnapper(())
        self._commands: CommandSnapper | None = None
        self.device = ""
        self.compute_type = ""

    @property
    def card(self) -> ModelCard:
        """The loaded model."""
        if self._card is None:
            raise EngineError("the Whisper model is not loaded")
        return self._card

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the prompt carries: --names-file, then Home Assistant's."""
        return unique((*self._file_vocabulary.everything, *self._vocabulary.everything))

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Names from Home Assistant for the prompt (replacing the previous ones)."""
        self._vocabulary = vocabulary
        self._new_names()

    def _new_names(self) -> None:
        """The snappers for the names of --names-file and Home Assistant (both with domains:
        the command grammar lets a verb name only what it acts on)."""
        self._snapper = NameSnapper(self.names)
        self._commands = CommandSnapper(self._file_vocabulary.joined(self._vocabulary))
        self._log_prompt()

    def _log_prompt(self) -> None:
        """Says which names the prompt holds (DEBUG), and when it cannot hold every name,
        which it leaves out."""
        if self._batch is None:
            return  # loading logs it
        names = self.names
        held_names = prompt_names(names, self._batch.count_tokens)
        _LOGGER.debug("faster-whisper: names in the prompt: %s", ", ".join(held_names) or "none")
        held = set(held_names)
        left = [name for name in names if name not in held]
        if left:
            _LOGGER.info(
                "faster-whisper: %d of %d names fit Whisper's prompt (%d tokens), names with "
                "uncommon words first; left out, but still snapped to: %s",
                len(held),
                len(names),
                MAX_PROMPT_TOKENS,
                ", ".join(left),
            )

    def load(self) -> ModelCard:
        """Locate or download the model, pick device and compute type, load, warm up.

        A model that is missing, corrupt or not a CTranslate2 Whisper model is a ConfigError
        naming --model; a failed download is an EngineError (the network may come back).
        """
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError as err:
            raise ConfigError("--model", f"faster-whisper is not installed: {err}") from err

        opts = self.options
        if opts.names_file is not None:
            self._file_vocabulary = read_names_file(opts.names_file)
        self._new_names()
        path = locate_model(opts.model, opts.data_dirs, opts.download_dir)
        self.device = select_device(opts.device, ctranslate2.get_cuda_device_count())
        self.compute_type = select_compute_type(
            opts.compute_type, self.device, ctranslate2.get_supported_compute_types(self.device)
        )
        try:
            self._model = WhisperModel(
                str(path),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=opts.cpu_threads,
            )
        except Exception as err:  # CTranslate2 and tokenizers raise many kinds for a bad file
            raise ConfigError("--model", f"cannot load {path}: {_one_line(err)}") from err
        self._batch = WhisperBatch(self._model, beam_size=opts.beam_size)
        self._log_prompt()
        self._languages = frozenset(self._model.supported_languages)
        languages = tuple(_info_languages(self._model.supported_languages, opts.language))
        self._warm_up()
        name = describe_model(opts.model, path)
        self._card = ModelCard(
            name=name.name,
            description=f"Whisper {name.name} ({self.device}, {self.compute_type}) via "
            "faster-whisper",
            languages=languages,
            attribution_name="OpenAI Whisper, converted by Systran",
            attribution_url=name.url,
            version=name.version,
            default_language=opts.language,
        )
        listed = len(self._file_vocabulary.everything)
        _LOGGER.info(
            "faster-whisper: model %s on %s (%s), %d language(s)%s",
            name.name,
            self.device,
            self.compute_type,
            len(languages),
            f", {listed} names from --names-file" if listed else "",
        )
        return self._card

    def _warm_up(self) -> None:
        """Encode and decode once (speech-like noise passes the VAD) so requests start warm."""
        assert self._batch is not None
        noise = np.random.default_rng(0).normal(0, 0.1, int(SAMPLE_RATE * WARM_UP_SECONDS))
        window = Window(0, noise.astype(np.float32), self.options.language or "en", ())
        try:
            self._batch.decode([window], CancelToken())
        except Exception as err:  # a model that loads but cannot decode is not usable
            raise ConfigError("--model", f"the model cannot decode: {_one_line(err)}") from err

    def transcribe_batch(
        self, requests: Sequence[TranscriptionRequest], token: CancelToken
    ) -> list[list[TranscriptSegment]]:
        """Transcripts of several requests, encoded and decoded together."""
        if self._batch is None:
            raise EngineError("the Whisper model is not loaded")
        windows: list[Window] = []
        languages: list[str | None] = []
        for index, request in enumerate(requests):
            language = self._language_for(request.language)
            languages.append(language)
            prompt = self._prompt((*request.terms, *request.names, *self.names))
            for audio in self._batch.speech(request.audio):
                windows.append(Window(index, audio, language, (prompt,) if prompt else ()))
        decoded = self._batch.decode(windows, token) if windows else []
        results: list[list[TranscriptSegment]] = [[] for _ in requests]
        snappers = [
            NameSnapper((*request.names, *self.names)) if request.names else self._snapper
            for request in requests
        ]
        for window, (hypotheses, detected) in zip(windows, decoded, strict=True):
            english = (languages[window.request] or detected) == "en"
            text = self._choose(hypotheses, snappers[window.request], english)
            said = hypotheses[0].text if hypotheses else ""
            if text != said:
                _LOGGER.debug("faster-whisper: %r taken as %r", said, text)
            if text:
                language = wyoming_language(detected) if detected else None
                results[window.request].append(TranscriptSegment(text, language))
        for index, segments in enumerate(results):
            if not segments:
                segments.append(TranscriptSegment("", languages[index]))
        return results

    def _prompt(self, names: Sequence[str]) -> str:
        """The prompt's text: as many of the names as it holds (prompt.py)."""
        assert self._batch is not None
        return whisper_prompt(prompt_names(names, self._batch.count_tokens))

    def _choose(self, hypotheses: Sequence[Hypothesis], names: NameSnapper, english: bool) -> str:
        """The window's text: names snapped, and in English the command grammar's checks."""
        commands = self._commands if english else None
        if commands is None:
            return choose(hypotheses, names.snap, None)
        return choose(hypotheses, lambda said: commands.snap(names.snap(said)), commands.is_command)

    def _language_for(self, requested: str | None) -> str | None:
        """The client's language when the model knows it, else --language, else detect."""
        if requested:
            if requested in self._languages:
                return requested
            _LOGGER.debug("Model has no language %r; using the default", requested)
        return self.options.language

    def close(self) -> None:
        """Drop the model (CTranslate2 frees it)."""
        self._model = None
        self._batch = None


def _info_languages(supported: list[str], fixed: str | None) -> list[str]:
    """Languages for info, the configured one first."""
    languages = [wyoming_language(code) for code in supported]
    if fixed and fixed in languages:
        languages.remove(fixed)
        languages.insert(0, fixed)
    return languages


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:300] or type(err).__name__
