"""Tool calls as text: a GBNF grammar that makes the model's call valid JSON over the allowed
tools and values, and a tolerant parser for calls a model wrote without one."""

from __future__ import annotations

import json
import re
from typing import Any

from .base import Toolbox

_FENCE = re.compile(r"^\s*(?:```(?:json)?|json)\s*", re.IGNORECASE)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
_TAGS = re.compile(r"</?tool_call>")


def call_gbnf(toolbox: Toolbox) -> str:
    """GBNF for one `{"name": …, "arguments": {…}}` object over the toolbox's strict schemas."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return str(json_schema_to_gbnf(json.dumps(toolbox.call_schema())))


def build_call_grammar(toolbox: Toolbox) -> Any:
    """The LlamaGrammar for one tool call."""
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(call_gbnf(toolbox), verbose=False)


def looks_like_a_call(text: str) -> bool:
    """True when text starts like a tool call written as text (JSON, a code fence, tags)."""
    stripped = text.lstrip()
    return stripped.startswith(("{", "```", "<tool_call", "[{")) or bool(
        re.match(r"json\s*\{", stripped, re.IGNORECASE)
    )


def parse_call(text: str) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) from a JSON call (`name`/`tool`/`function` + `arguments`/`parameters`),
    tolerating code fences and `<tool_call>` tags; None when it is not a complete call."""
    body = _TAGS.sub("", _FENCE.sub("", text)).strip().rstrip("`").strip()
    match = _OBJECT.search(body)
    if match is None:
        return None
    try:
        data = json.loads(match.group())
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    name = data.get("name", data.get("tool", data.get("function")))
    if isinstance(name, dict):  # {"function": {"name": ..., "arguments": ...}}
        data, name = name, name.get("name")
    if not isinstance(name, str) or not name:
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return None
    return name, arguments if isinstance(arguments, dict) else {}


_UNDECIDED = ("json", "```", "<tool_call", "[")


class CallSplitter:
    """Separates spoken text from tool calls a server wrote into the text (JSON, code
    fences, `<tool_call>` tags): text is released as it streams, calls are parsed at the end
    and never spoken."""

    def __init__(self) -> None:
        self._held = ""
        self._call = ""
        self._released = False

    def feed(self, text: str) -> str:
        """Add streamed content; returns the text that can be spoken now."""
        if self._call:
            self._call += text
            return ""
        if not self._released:
            self._held += text
            stripped = self._held.lstrip()
            if not stripped or any(m.startswith(stripped) for m in _UNDECIDED):
                return ""
            if looks_like_a_call(stripped):
                self._call, self._held = stripped, ""
                return ""
            self._released, text, self._held = True, stripped, ""
        start = text.find("<tool_call>")
        if start >= 0:
            self._call = text[start:]
            return text[:start]
        return text

    def finish(self) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
        """Text still held back, and the calls found (in order)."""
        calls = []
        for chunk in re.split(r"</tool_call>", self._call):
            parsed = parse_call(chunk) if chunk.strip() else None
            if parsed is not None:
                calls.append(parsed)
        held = self._held if not looks_like_a_call(self._held) else ""
        return held.strip(), calls
