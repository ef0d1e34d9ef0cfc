"""GBNF grammars that make the model's tool calls valid JSON naming only exposed entities.

`required`: only a tool call (LlamaGrammar.from_json_schema over the toolbox schema).
`auto`: either a tool call or a one-line spoken answer that does not start with "{".
`none`: only a one-line answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..tools import Toolbox
from .base import ToolChoice

_ANSWER_RULES = "answer ::= [^{ \\t\\n] [^\\n]*\n"
_ROOT_RULE = re.compile(r"^root\s*::=", re.MULTILINE)


def answer_only_gbnf() -> str:
    """A one-line answer that cannot be mistaken for a tool call."""
    return 'root ::= " "? answer\n' + _ANSWER_RULES


def tool_or_answer_gbnf(toolbox: Toolbox) -> str:
    """Either a JSON tool call (from the toolbox's schema) or a one-line answer."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    call_rules = json_schema_to_gbnf(json.dumps(toolbox.call_schema()))
    call_rules = _ROOT_RULE.sub("tool-call ::=", call_rules, count=1)
    return 'root ::= " "? (tool-call | answer)\n' + _ANSWER_RULES + call_rules


def build_grammar(toolbox: Toolbox | None, choice: ToolChoice) -> Any:
    """The LlamaGrammar for a request (never None: answers are constrained to one line too)."""
    from llama_cpp.llama_grammar import LlamaGrammar

    if toolbox is None or not toolbox.specs or choice == "none":
        return LlamaGrammar.from_string(answer_only_gbnf(), verbose=False)
    if choice == "required":
        return LlamaGrammar.from_json_schema(json.dumps(toolbox.call_schema()), verbose=False)
    return LlamaGrammar.from_string(tool_or_answer_gbnf(toolbox), verbose=False)


def parse_tool_json(text: str) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) from the model's JSON, or None when it is not a complete call."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        return None
    arguments = data.get("arguments")
    return data["tool"], arguments if isinstance(arguments, dict) else {}
