"""Chat engines: llama.cpp in this process, or an OpenAI-compatible server."""

from __future__ import annotations

from wyoming_common.worker import ModelWorker

from .base import ChatEngine
from .llama import LlamaEngine, LlamaSettings
from .openai import OpenAIEngine, OpenAISettings


def build_engine(
    llama: LlamaSettings | None, openai: OpenAISettings | None, worker: ModelWorker
) -> ChatEngine | None:
    """The configured chat engine (not loaded yet), or None without a model."""
    if llama is not None:
        return LlamaEngine(llama, worker)
    if openai is not None:
        return OpenAIEngine(openai)
    return None
