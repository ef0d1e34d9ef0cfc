"""What every chat engine offers the agent: streamed text deltas and parsed tool calls, and
the generic tool types (a tool's name, description and JSON schema; a call to it). Nothing
here knows Home Assistant: the agent builds its toolbox from these types."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]
ToolChoice = Literal["auto", "required", "none"]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: name, what it does, the arguments' JSON schema shown to the model, and the
    stricter schema a grammar may enforce (enums of allowed values)."""

    name: str
    description: str
    parameters: dict[str, Any]
    strict_parameters: dict[str, Any] | None = None

    def openai(self) -> dict[str, Any]:
        """The tool in the OpenAI `tools` shape."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


@dataclass(frozen=True)
class ToolCall:
    """A tool call from the model (arguments already parsed from JSON)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = ""


def _bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with bounded integers spelled out as enums (llama.cpp's grammar converter
    ignores minimum/maximum)."""
    kind, low, high = schema.get("type"), schema.get("minimum"), schema.get("maximum")
    if kind == "integer" and low is not None and high is not None and high - low <= 200:
        return {"enum": list(range(int(low), int(high) + 1))}
    if isinstance(schema.get("properties"), dict):
        properties = {key: _bounded(value) for key, value in schema["properties"].items()}
        return {**schema, "properties": properties}
    return schema


@dataclass(frozen=True)
class Toolbox:
    """The tools on offer in one request."""

    specs: tuple[ToolSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Tool names in order."""
        return tuple(spec.name for spec in self.specs)

    def get(self, name: str) -> ToolSpec | None:
        """The tool called name."""
        return next((spec for spec in self.specs if spec.name == name), None)

    def call_schema(self) -> dict[str, Any]:
        """JSON schema of `{"name": tool, "arguments": {...}}` over every tool (for grammars)."""
        return {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "name": {"const": spec.name},
                        "arguments": _bounded(spec.strict_parameters or spec.parameters),
                    },
                    "required": ["name", "arguments"],
                    "additionalProperties": False,
                }
                for spec in self.specs
            ]
        }

    def openai_tools(self) -> list[dict[str, Any]]:
        """The tools in the OpenAI `tools` shape."""
        return [spec.openai() for spec in self.specs]

    def compact(self) -> list[dict[str, Any]]:
        """The tools as few tokens can say them, for a prompt a CPU evaluates:
        `{"name", "description", "parameters": {"arg": "type", ...}, "required": [...]}`."""
        tools = []
        for spec in self.specs:
            properties = spec.parameters.get("properties", {})
            tool: dict[str, Any] = {
                "name": spec.name,
                "description": spec.description,
                "parameters": {
                    key: value.get("type", "string") for key, value in properties.items()
                },
            }
            if spec.parameters.get("required"):
                tool["required"] = list(spec.parameters["required"])
            tools.append(tool)
        return tools


@dataclass(frozen=True)
class ChatMessage:
    """One message of the conversation sent to the model."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """One generation: messages, the tools on offer, and sampling limits.

    `prompt_tools` are the tools the prompt describes (stable, so the prompt prefix stays
    cached); `toolbox` the calls allowed in this request (None or empty: answer in words).
    """

    messages: tuple[ChatMessage, ...]
    toolbox: Toolbox | None = None
    prompt_tools: Toolbox | None = None
    tool_choice: ToolChoice = "auto"
    max_tokens: int = 160
    temperature: float = 0.3
    seed: int | None = None
    max_calls: int = 1  # tool calls the model may make in one generation

    @property
    def tools_allowed(self) -> bool:
        """True when the model may call a tool in this request."""
        return self.toolbox is not None and bool(self.toolbox.specs) and self.tool_choice != "none"


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
    last_stats: GenerationStats | None

    async def load(self) -> None:
        """Load and warm up (model into memory, or check the server answers)."""

    def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        """Stream the answer; tool calls arrive whole, after their text (if any)."""
        ...

    async def prefill(self, messages: Sequence[ChatMessage], tools: Toolbox | None) -> None:
        """Process a prompt prefix ahead of time (a no-op where that means nothing)."""

    async def close(self) -> None:
        """Release the model or the HTTP session."""
