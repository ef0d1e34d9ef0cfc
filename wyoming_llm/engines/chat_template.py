"""Chat formatting from the GGUF's own template (`tokenizer.chat_template`), tools included
when the template knows them (Qwen, Hermes style `<tool_call>`), with a plain ChatML-like
fallback when the model has no template (stories260K, many base models)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from .base import ChatMessage, Toolbox

_LOGGER = logging.getLogger(__name__)
TOOL_OPEN, TOOL_CLOSE = "<tool_call>", "</tool_call>"


@dataclass(frozen=True)
class FormattedPrompt:
    """The prompt text and the strings that end the assistant's turn."""

    prompt: str
    stop: tuple[str, ...]
    added_special: bool  # True when the template already wrote the BOS token


def inline_tool_prompt(tools: Toolbox) -> str:
    """How to call tools, for templates that cannot show them natively."""
    lines = [
        "To use a tool, reply with only one JSON object: "
        '{"name": "<tool name>", "arguments": {...}}. Otherwise reply with the spoken answer.',
        "Tools:",
    ]
    for spec in tools.specs:
        arguments = ", ".join(spec.parameters.get("properties", {}))
        lines.append(f"- {spec.name}({arguments}): {spec.description}")
    return "\n".join(lines)


def to_template_messages(
    messages: Sequence[ChatMessage], *, native_tools: bool
) -> list[dict[str, Any]]:
    """Our messages as role/content dicts the template accepts.

    With native tools, tool calls and results use the template's own shapes; otherwise tool
    calls become the assistant's JSON and results a user message. Consecutive messages of one
    role are merged, because many templates insist on alternation.
    """
    result: list[dict[str, Any]] = []
    for message in messages:
        role, content = message.role, message.content
        if native_tools and (message.tool_calls or role == "tool"):
            item: dict[str, Any] = {"role": role, "content": content}
            if message.tool_calls:
                item["tool_calls"] = [
                    {"type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in message.tool_calls
                ]
            result.append(item)
            continue
        if message.tool_calls:
            calls = [{"name": c.name, "arguments": c.arguments} for c in message.tool_calls]
            content = "\n".join(json.dumps(call) for call in calls)
        if role == "tool":
            role, content = "user", f"Tool result: {content}"
        if (
            result
            and result[-1]["role"] == role
            and role != "system"
            and "tool_calls" not in result[-1]
        ):
            result[-1]["content"] += "\n" + content
        else:
            result.append({"role": role, "content": content})
    return result


def _without_system(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold the system message into the first user message (templates without a system role)."""
    if not messages or messages[0]["role"] != "system":
        return messages
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    if rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        return rest
    return [{"role": "user", "content": system}, *rest]


class ChatMLFormatter:
    """<|im_start|>role\\ncontent<|im_end|> … <|im_start|>assistant\\n"""

    supports_tools = False

    def __call__(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> FormattedPrompt:
        parts = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages]
        prompt = "".join(parts) + "<|im_start|>assistant\n"
        return FormattedPrompt(prompt, ("<|im_end|>", "<|im_start|>"), added_special=False)


class TemplateFormatter:
    """A GGUF chat template rendered by llama-cpp-python's Jinja2ChatFormatter."""

    def __init__(self, template: str, bos_token: str, eos_token: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._formatter = Jinja2ChatFormatter(
            template=template, eos_token=eos_token, bos_token=bos_token
        )
        self._system_supported = True
        self.supports_tools = "tools" in template and TOOL_OPEN in template

    def __call__(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> FormattedPrompt:
        if not self._system_supported:
            messages = _without_system(messages)
        extra: dict[str, Any] = {"tools": tools} if tools and self.supports_tools else {}
        try:
            response = self._formatter(messages=cast(Any, messages), **extra)
        except Exception:  # jinja2 raise_exception(): e.g. "System role not supported"
            if not self._system_supported:
                raise
            _LOGGER.info("Chat template rejects a system message; folding it into the user's")
            self._system_supported = False
            response = self._formatter(messages=cast(Any, _without_system(messages)), **extra)
        stop = response.stop if isinstance(response.stop, list) else [response.stop]
        return FormattedPrompt(
            response.prompt,
            tuple(s for s in stop if s),
            added_special=bool(getattr(response, "added_special", False)),
        )


Formatter = ChatMLFormatter | TemplateFormatter


def formatter_for(metadata: dict[str, Any], bos_token: str, eos_token: str) -> Formatter:
    """The model's own template when its metadata has one, else ChatML."""
    template = metadata.get("tokenizer.chat_template")
    if not template:
        _LOGGER.info("The model has no chat template; using a ChatML-like format")
        return ChatMLFormatter()
    return TemplateFormatter(str(template), bos_token, eos_token)
