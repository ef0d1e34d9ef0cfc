"""Building the configured engine, with pocketsphinx as the fallback of `--engine auto`."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator

from wyoming_common.errors import ConfigError, EngineError
from wyoming_common.worker import CancelToken, ModelWorker

from .engine import ModelCard, Transcriber, TranscriptionRequest, TranscriptSegment
from .pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from .selection import select_engine
from .settings import SttSettings
from .whisper.engine import FasterWhisperTranscriber, WhisperOptions

_LOGGER = logging.getLogger(__name__)


def whisper_importable() -> bool:
    """True when faster-whisper is installed (checked without importing it)."""
    return importlib.util.find_spec("faster_whisper") is not None


def build_transcriber(
    settings: SttSettings, *, whisper_available: bool | None = None
) -> Transcriber:
    """The engine the settings ask for (not loaded yet)."""
    available = whisper_importable() if whisper_available is None else whisper_available
    choice = select_engine(settings.engine, settings.model, available)
    pocketsphinx = PocketsphinxTranscriber(
        PocketsphinxOptions(
            phrases_file=settings.phrases_file,
            names_file=settings.names_file,
            general_model=settings.general_model,
            hass=settings.hass,
        )
    )
    if choice.engine == "pocketsphinx":
        if settings.engine == "auto":
            _LOGGER.info("Using the embedded pocketsphinx engine: %s", choice.reason)
        elif settings.model:
            _LOGGER.warning("--model %s is ignored by the pocketsphinx engine", settings.model)
        if settings.language not in (None, "en"):
            _LOGGER.warning("pocketsphinx recognises English only; --language is ignored")
        return pocketsphinx
    assert settings.model is not None
    whisper = FasterWhisperTranscriber(
        WhisperOptions(
            model=settings.model,
            device=settings.device,
            compute_type=settings.compute_type,
            language=settings.language,
            beam_size=settings.beam_size,
            data_dirs=settings.data_dirs,
            download_dir=settings.download_dir,
            names_file=settings.names_file,
        )
    )
    if settings.engine != "auto" and (settings.hass or settings.general_model):
        _LOGGER.warning("--hass-url and --general-model are used by the pocketsphinx engine only")
    if settings.engine == "auto":
        _LOGGER.info("Using faster-whisper: %s", choice.reason)
        return FallbackTranscriber(whisper, pocketsphinx)
    return whisper


class FallbackTranscriber:
    """Loads the primary engine, or the fallback when the primary cannot be loaded.

    Configuration mistakes (ConfigError, e.g. --device cuda without a GPU) are not hidden.
    """

    def __init__(self, primary: Transcriber, fallback: Transcriber) -> None:
        self.primary = primary
        self.fallback = fallback
        self.active: Transcriber = primary

    @property
    def engine_name(self) -> str:
        """The active engine's name."""
        return self.active.engine_name

    @property
    def streams_partial_text(self) -> bool:
        """Whether the active engine streams."""
        return self.active.streams_partial_text

    @property
    def card(self) -> ModelCard:
        """The active engine's model."""
        return self.active.card

    def load(self) -> ModelCard:
        """Load the primary engine, else the fallback with a clear log line."""
        try:
            card = self.primary.load()
        except ConfigError:
            raise
        except EngineError as err:
            _LOGGER.warning(
                "%s is not available (%s); using the embedded %s engine instead",
                self.primary.engine_name,
                err,
                self.fallback.engine_name,
            )
            self.primary.close()
            self.active = self.fallback
            return self.fallback.load()
        self.active = self.primary
        return card

    def transcribe(
        self, request: TranscriptionRequest, token: CancelToken
    ) -> Iterator[TranscriptSegment]:
        """Transcribe with the active engine."""
        return self.active.transcribe(request, token)

    def close(self) -> None:
        """Close both engines."""
        self.primary.close()
        self.fallback.close()


async def load_transcriber(transcriber: Transcriber, worker: ModelWorker) -> None:
    """The service's load step: load and warm up in the worker thread."""
    card = await worker.run(transcriber.load)
    _LOGGER.info(
        "stt engine %s ready: %s (%s)",
        transcriber.engine_name,
        card.name,
        ", ".join(card.languages[:8]) + (" ..." if len(card.languages) > 8 else ""),
    )
