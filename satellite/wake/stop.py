"""The stop word: heard while the satellite plays a reply, an announcement or a timer alarm, it
ends them without the wake word (microWakeWord's `stop` model, see models/README.md)."""

from __future__ import annotations

from pathlib import Path

from wyoming_common.errors import ConfigError
from wyoming_common.worker import ModelWorker

from .detectors import MicroWakeWordDetector

BUILTIN_STOP = Path(__file__).parent / "models" / "stop.json"


def stop_model_path(spec: str) -> Path:
    """`stop` → the built-in model; anything else must be a microWakeWord .json file."""
    path = BUILTIN_STOP if spec == "stop" else Path(spec)
    if not path.is_file():
        raise ConfigError("--stop-word", f"no such microWakeWord model: {spec}")
    return path


def load_stop_detector(spec: str) -> MicroWakeWordDetector:
    """Load the model (blocking: run it in a worker thread)."""
    return MicroWakeWordDetector([str(stop_model_path(spec))])


class StopWordListener:
    """Runs the stop model on microphone blocks in a worker thread, only when asked to."""

    def __init__(self, detector: MicroWakeWordDetector, worker: ModelWorker) -> None:
        self.detector = detector
        self.worker = worker
        self._fresh = True

    async def heard(self, audio: bytes) -> bool:
        """Feed one block; True when the stop word was just said."""
        if self._fresh:
            await self.worker.run(self.detector.reset)
            self._fresh = False
        return await self.worker.run(self.detector.process, audio) is not None

    def pause(self) -> None:
        """Nothing is playing: the next block starts from fresh state."""
        self._fresh = True
