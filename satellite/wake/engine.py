"""What the satellite sees of a wake word engine: the models it announces, the detector
protocol (blocking, in a worker thread) and the async engine (local or remote), plus the
refractory period that keeps one utterance from triggering twice."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from wyoming_common.worker import ModelWorker


@dataclass(frozen=True)
class WakeHit:
    """A detection: the model and its probability (None when a remote service does not say)."""

    name: str
    probability: float | None = None


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

    def process(self, audio: bytes) -> WakeHit | None:
        """Feed 16 kHz mono 16-bit audio; the detected model or None."""
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

    async def process(self, audio: bytes, timestamp: int) -> WakeHit | None:
        """Feed one block; the detected wake word or None."""
        ...

    async def reset(self) -> None:
        """Start afresh (after a command)."""
        ...

    async def stop(self) -> None:
        """Release resources."""
        ...


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

    async def process(self, audio: bytes, timestamp: int) -> WakeHit | None:
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
