"""Local wake word detection: microWakeWord or openWakeWord, several models at once.

Engines are imported lazily (inside the loaders) and run in a worker thread, so the event loop
keeps answering Home Assistant while they compute.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wyoming_common.errors import ConfigError

from ..errors import WakeWordError
from .engine import WakeHit, WakeModelInfo, WakeProgramInfo, WakeWordDetector

_LOGGER = logging.getLogger(__name__)

OPENWAKEWORD_THRESHOLD = 0.5


def _phrase(name: str) -> str:
    return name.replace("_", " ").title()


class MicroWakeWordDetector:
    """pymicro-wakeword: one feature extractor shared by every loaded model."""

    def __init__(self, words: Sequence[str], threshold: float | None = None) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except ImportError as err:
            raise WakeWordError("pymicro-wakeword is not installed") from err
        self._models: list[Any] = []
        infos: list[WakeModelInfo] = []
        builtin = {m.value: m for m in Model}
        for word in words:
            if word in builtin:
                model = MicroWakeWord.from_builtin(builtin[word])
            elif Path(word).is_file():
                model = MicroWakeWord.from_config(Path(word))
            else:
                known = ", ".join(sorted(builtin))
                raise ConfigError(
                    "--wake-word", f"unknown microWakeWord model {word!r} (built in: {known})"
                )
            if threshold is not None:
                model.probability_cutoff = threshold
            self._models.append(model)
            infos.append(WakeModelInfo(model.id, model.wake_word, tuple(model.trained_languages)))
        self._features_factory = MicroWakeWordFeatures
        self._features = MicroWakeWordFeatures()
        self.program = WakeProgramInfo(
            name="microWakeWord",
            description="microWakeWord (pymicro-wakeword) running on the satellite",
            attribution_name="kahrendt",
            attribution_url="https://github.com/kahrendt/microWakeWord",
            models=tuple(infos),
        )

    def process(self, audio: bytes) -> WakeHit | None:
        """Run every model on every new feature window; report the most confident hit."""
        best: tuple[float, str] | None = None
        for features in self._features.process_streaming(audio):
            for model in self._models:
                probability = model.process_streaming_prob(features)
                if (
                    probability is not None
                    and probability > model.probability_cutoff
                    and (best is None or probability > best[0])
                ):
                    best = (probability, model.id)
        return None if best is None else WakeHit(best[1], best[0])

    def reset(self) -> None:
        """Clear features and model state."""
        self._features = self._features_factory()
        for model in self._models:
            model.reset()


class OpenWakeWordDetector:
    """pyopen-wakeword: shared mel/embedding front end, one classifier per wake word."""

    def __init__(self, words: Sequence[str], threshold: float | None = None) -> None:
        try:
            from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures
        except ImportError as err:
            raise WakeWordError("pyopen-wakeword is not installed") from err
        self.threshold = OPENWAKEWORD_THRESHOLD if threshold is None else threshold
        builtin = {m.value: m for m in Model}
        self._models: list[Any] = []
        for word in words:
            if word in builtin:
                self._models.append(OpenWakeWord.from_builtin(builtin[word]))
            elif Path(word).is_file():
                self._models.append(OpenWakeWord.from_model(Path(word)))
            else:
                known = ", ".join(sorted(builtin))
                raise WakeWordError(f"unknown openWakeWord model {word!r} (built in: {known})")
        self._features = OpenWakeWordFeatures.from_builtin()
        self.program = WakeProgramInfo(
            name="openWakeWord",
            description="openWakeWord (pyopen-wakeword) running on the satellite",
            attribution_name="dscripka",
            attribution_url="https://github.com/dscripka/openWakeWord",
            models=tuple(WakeModelInfo(m.id, _phrase(m.id), ("en",)) for m in self._models),
        )

    def process(self, audio: bytes) -> WakeHit | None:
        """Embed the audio once and score every wake word on it."""
        best: tuple[float, str] | None = None
        for embedding in self._features.process_streaming(audio):
            for model in self._models:
                for probability in model.process_streaming(embedding):
                    if probability > self.threshold and (best is None or probability > best[0]):
                        best = (probability, model.id)
        return None if best is None else WakeHit(best[1], best[0])

    def reset(self) -> None:
        """Clear the audio and embedding windows."""
        self._features.reset()
        for model in self._models:
            model.reset()


def load_detector(engine: str, words: Sequence[str], threshold: float | None) -> WakeWordDetector:
    """Build the local detector (blocking: run it in a worker thread)."""
    if engine == "micro":
        return MicroWakeWordDetector(words, threshold)
    if engine == "openwakeword":
        return OpenWakeWordDetector(words, threshold)
    raise WakeWordError(f"unknown wake word engine {engine!r}")
