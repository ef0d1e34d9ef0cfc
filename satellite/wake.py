"""Local wake word detection: microWakeWord or openWakeWord, several models at once.

Engines are imported lazily (inside the loaders) and run in a worker thread, so the event loop
keeps answering Home Assistant while they compute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from wyoming_common.errors import ConfigError
from wyoming_common.worker import ModelWorker

from .errors import WakeWordError

_LOGGER = logging.getLogger(__name__)

OPENWAKEWORD_THRESHOLD = 0.5


@dataclass(frozen=True)
class WakeModelInfo:
    """A wake word model as announced in `info`."""

    name: str
    phrase: str
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class WakeProgramInfo:
    """The wake engine as announced in `info`."""

    name: str
    description: str
    attribution_name: str
    attribution_url: str
    models: tuple[WakeModelInfo, ...]


class WakeWordDetector(Protocol):
    """A loaded engine: blocking calls, used from one worker thread at a time."""

    program: WakeProgramInfo

    def process(self, audio: bytes) -> str | None:
        """Feed 16 kHz mono 16-bit audio; the name of a detected model or None."""
        ...

    def reset(self) -> None:
        """Forget the audio heard so far."""
        ...


class WakeWordEngine(Protocol):
    """What the satellite talks to: local detectors or a remote Wyoming wake service."""

    @property
    def program(self) -> WakeProgramInfo:
        """Models for `info`."""
        ...

    async def start(self) -> None:
        """Load models or connect."""
        ...

    @property
    def detection_lags(self) -> bool:
        """True when a detection can arrive after later audio was captured (remote engines)."""
        ...

    async def process(self, audio: bytes, timestamp: int) -> str | None:
        """Feed one block; the detected wake word name or None."""
        ...

    async def reset(self) -> None:
        """Start afresh (after a command)."""
        ...

    async def stop(self) -> None:
        """Release resources."""
        ...


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

    def process(self, audio: bytes) -> str | None:
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
        return None if best is None else best[1]

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

    def process(self, audio: bytes) -> str | None:
        """Embed the audio once and score every wake word on it."""
        best: tuple[float, str] | None = None
        for embedding in self._features.process_streaming(audio):
            for model in self._models:
                for probability in model.process_streaming(embedding):
                    if probability > self.threshold and (best is None or probability > best[0]):
                        best = (probability, model.id)
        return None if best is None else best[1]

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


class LocalWakeEngine:
    """Runs a WakeWordDetector in a worker thread."""

    def __init__(self, detector: WakeWordDetector, worker: ModelWorker | None = None) -> None:
        self.detector = detector
        self.worker = worker or ModelWorker("wake word", timeout=10.0)

    @property
    def program(self) -> WakeProgramInfo:
        """The detector's models."""
        return self.detector.program

    @property
    def detection_lags(self) -> bool:
        """Never: the block that completes the wake word is the one that reports it."""
        return False

    async def start(self) -> None:
        """Nothing to do: the detector was loaded before."""

    async def process(self, audio: bytes, timestamp: int) -> str | None:
        """Detect in a worker thread."""
        return await self.worker.run(self.detector.process, audio)

    async def reset(self) -> None:
        """Reset in a worker thread."""
        await self.worker.run(self.detector.reset)

    async def stop(self) -> None:
        """Nothing to release."""


class Refractory:
    """Ignores a wake word heard again within `seconds` of its last detection."""

    def __init__(self, seconds: float, clock: Any = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[str, float] = {}

    def allow(self, name: str) -> bool:
        """True if name may trigger now (and remember it)."""
        now = self._clock()
        last = self._last.get(name)
        if last is not None and now - last < self.seconds:
            return False
        self._last[name] = now
        return True
