"""Exception root of the voice pipeline: a failing stage, named so the caller can say which."""

from __future__ import annotations

from wyoming_common.client import ServiceUnavailableError
from wyoming_common.errors import WyomingVoiceError


class PipelineError(WyomingVoiceError):
    """A stage of the pipeline (stt, agent, tts, vad) failed.

    `stage` names the failing stage so the caller can tell the user which service is down.
    """

    code = "pipeline-error"

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage


class ServiceError(PipelineError, ServiceUnavailableError):
    """A service could not be reached, stopped answering, answered with an `error` event, or
    is not the kind of service the stage needs.

    Both a PipelineError (the pipeline, the web gateway) and a ServiceUnavailableError (the
    one-shot CLI commands), so every caller catches what it already catches.
    """

    code = "service-unavailable"
