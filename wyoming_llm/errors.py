"""Errors of the conversation agent, translated into `error` events or spoken answers."""

from __future__ import annotations

from wyoming_common.errors import EngineError


class ModelLoadError(EngineError):
    """The language model could not be loaded; the message names the flag to fix."""

    code = "model-load-error"


class ChatEngineError(EngineError):
    """A chat engine failed while generating (HTTP error, bad response)."""

    code = "chat-engine-error"
