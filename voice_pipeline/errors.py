"""Exception root of the voice pipeline: a failing stage, named so the caller can say which."""

from __future__ import annotations

from wyoming_common.errors import WyomingVoiceError


class PipelineError(WyomingVoiceError):
    """A stage of the pipeline (stt, agent, tts, vad) failed.

    `stage` names the failing stage so the caller can tell the user which service is down.
    """

    code = "pipeline-error"

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage
