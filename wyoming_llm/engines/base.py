"""What every chat engine offers the agent: streamed text deltas and parsed tool calls."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..tools import Toolbox, ToolCall

Role = Literal["system", "user", "assistant", "tool"]
ToolChoice = Literal["auto", "required", "none"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of the conversation sent to the model."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """One generation: messages, the tools on offer, and sampling limits."""

    messages: tuple[ChatMessage, ...]
    toolbox: Toolbox | None = None
    tool_choice: ToolChoice = "auto"
    max_tokens: int = 160
    temperature: float = 0.3
    seed: int | None = None


@dataclass(frozen=True)
class TextDelta:
    """A piece of the spoken answer."""

    text: str


@dataclass
class GenerationStats:
    """Token counts and timings of the last generation (for benchmarks and logs)."""

    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens reused from the KV cache
    completion_tokens: int = 0
    prompt_seconds: float = 0.0  # until the first generated token
    generation_seconds: float = 0.0  # from the first token to the end
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def prompt_tokens_per_second(self) -> float:
        """Prompt evaluation speed over the tokens that were not cached."""
        evaluated = self.prompt_tokens - self.cached_tokens
        return evaluated / self.prompt_seconds if self.prompt_seconds > 0 else 0.0

    @property
    def eval_tokens_per_second(self) -> float:
        """Generation speed."""
        if self.generation_seconds <= 0 or self.completion_tokens <= 1:
            return 0.0
        return (self.completion_tokens - 1) / self.generation_seconds


class ChatEngine(Protocol):
    """A language model the agent can talk to."""

    name: str
    inline_tools: bool  # True: tools are described in the prompt and chosen via a grammar
    last_stats: GenerationStats | None

    async def load(self) -> None:
        """Load and warm up (model into memory, or check the server answers)."""

    def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        """Stream the answer; tool calls arrive whole, after their text (if any)."""
        ...

    async def prefill(self, messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> None:
        """Process a prompt prefix ahead of time (a no-op where that means nothing)."""

    async def close(self) -> None:
        """Release the model or the HTTP session."""
