"""Chat engines behind one Protocol: llama.cpp in-process, or an OpenAI-compatible server."""

from .base import ChatEngine, ChatMessage, ChatRequest, GenerationStats, TextDelta

__all__ = ["ChatEngine", "ChatMessage", "ChatRequest", "GenerationStats", "TextDelta"]
