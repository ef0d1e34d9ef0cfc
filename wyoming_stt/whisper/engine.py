"""The faster-whisper engine: CTranslate2 Whisper on CUDA (float16) or CPU (int8)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from wyoming_common.errors import EngineError
from wyoming_common.info import wyoming_language
from wyoming_common.worker import CancelToken

from ..biasing import read_list_file, unique, whisper_hotwords, whisper_prompt
from ..engine import SAMPLE_RATE, ModelCard, TranscriptionRequest, TranscriptSegment
from ..selection import select_compute_type, select_device
from .model_files import locate_model, repo_id_for

_LOGGER = logging.getLogger(__name__)

# Silence and noise must give no text: the VAD drops non-speech before decoding, and a
# window that still looks like no speech is skipped (Whisper's own no-speech test).
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}
WARM_UP_SECONDS = 1.0


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
    """Transcriber backed by faster_whisper.WhisperModel (imported in load only)."""

    engine_name = "faster-whisper"
    streams_partial_text = True

    def __init__(self, options: WhisperOptions) -> None:
        self.options = options
        self._model: Any = None
        self._card: ModelCard | None = None
        self._languages: frozenset[str] = frozenset()
        self._names: tuple[str, ...] = ()
        self.device = ""
        self.compute_type = ""

    @property
    def card(self) -> ModelCard:
        """The loaded model."""
        if self._card is None:
            raise EngineError("the Whisper model is not loaded")
        return self._card

    def load(self) -> ModelCard:
        """Locate or download the model, pick device and compute type, load, warm up."""
        try:
            import ctranslate2
            from faster_whisper import WhisperModel
        except ImportError as err:
            raise EngineError(f"faster-whisper is not installed: {err}") from err

        opts = self.options
        if opts.names_file is not None:
            self._names = read_list_file(opts.names_file)
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
        except (RuntimeError, ValueError, OSError) as err:
            raise EngineError(f"cannot load Whisper model {path}: {err}") from err
        self._languages = frozenset(self._model.supported_languages)
        languages = tuple(_info_languages(self._model.supported_languages, opts.language))
        self._warm_up()
        self._card = ModelCard(
            name=_display_name(opts.model, path),
            description=f"Whisper {_display_name(opts.model, path)} "
            f"({self.device}, {self.compute_type}) via faster-whisper",
            languages=languages,
            attribution_name="OpenAI Whisper, converted by Systran",
            attribution_url=_attribution_url(opts.model),
            version=_package_version("faster-whisper"),
            default_language=opts.language,
        )
        _LOGGER.info(
            "faster-whisper: model %s on %s (%s), %d language(s)%s",
            self._card.name,
            self.device,
            self.compute_type,
            len(languages),
            f", {len(self._names)} names in the prompt" if self._names else "",
        )
        return self._card

    def _warm_up(self) -> None:
        """One short silent transcription so the first request pays no start-up cost."""
        silence = np.zeros(int(SAMPLE_RATE * WARM_UP_SECONDS), dtype=np.float32)
        segments, _info = self._model.transcribe(
            silence, language=self.options.language or "en", beam_size=1, vad_filter=False
        )
        for _segment in segments:
            pass

    def transcribe(
        self, request: TranscriptionRequest, token: CancelToken
    ) -> Iterator[TranscriptSegment]:
        """Yield Whisper segments as they are decoded (one empty segment if none)."""
        if self._model is None:
            raise EngineError("the Whisper model is not loaded")
        language = self._language_for(request.language)
        prompt = whisper_prompt(unique((*request.names, *self._names)))
        segments, info = self._model.transcribe(
            request.audio,
            language=language,
            beam_size=self.options.beam_size,
            initial_prompt=prompt,
            hotwords=whisper_hotwords(request.terms),
            condition_on_previous_text=False,
            vad_filter=True,
            vad_parameters=VAD_PARAMETERS,
            no_speech_threshold=NO_SPEECH_THRESHOLD,
            log_prob_threshold=LOG_PROB_THRESHOLD,
        )
        detected = wyoming_language(info.language) if info.language else language
        produced = False
        for segment in segments:
            if token.cancelled:
                return
            text = str(segment.text)
            if text.strip():
                produced = True
                yield TranscriptSegment(text=text, language=detected)
        if not produced:
            yield TranscriptSegment(text="", language=detected)

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


def _info_languages(supported: list[str], fixed: str | None) -> list[str]:
    """Languages for info, the configured one first."""
    languages = [wyoming_language(code) for code in supported]
    if fixed and fixed in languages:
        languages.remove(fixed)
        languages.insert(0, fixed)
    return languages


def _display_name(model: str, path: Path) -> str:
    if Path(model).expanduser().exists():
        return path.name
    return model


def _attribution_url(model: str) -> str:
    if Path(model).expanduser().exists():
        return "https://github.com/SYSTRAN/faster-whisper"
    try:
        return f"https://huggingface.co/{repo_id_for(model)}"
    except EngineError:
        return "https://github.com/SYSTRAN/faster-whisper"


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None
