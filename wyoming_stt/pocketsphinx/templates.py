"""Phrase templates: the syntax of --phrases-file and the built-in commands, parsed to trees.

One phrase per line: plain words, `[optional words]`, `(one | other)`, the slots `{name}`,
`{area}`, `{number}`, `{count}` (a number but one) and the typed name slots (`{light}`,
`{cover}`, ...: name_slots.py), and `<rule>` for a rule defined on its own line as
`<rule> = body`. Pure functions; grammar.py compiles the trees into a word graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .name_slots import SLOTS
from .words import spoken_form

NUMBERS = range(101)
"""What `{number}` stands for: zero to one hundred."""

_TOKEN = re.compile(r"\{[a-z_]+\}|<[a-z_][a-z0-9_]*>|[\[\]()|]|[^\s\[\]()|<>{}]+")
_RULE_DEFINITION = re.compile(r"^\s*<([a-z_][a-z0-9_]*)>\s*=(.*)$")
_SYNTAX = frozenset(("[", "]", "(", ")", "|"))


def tokenize_template(template: str) -> list[str]:
    """Split a template into syntax tokens, slots, rule references and spoken words."""
    tokens: list[str] = []
    for token in _TOKEN.findall(template.lower()):
        if token in _SYNTAX or token[0] in "{<":
            tokens.append(token)
        else:
            tokens.extend(spoken_form(token).split())
    return tokens


def _well_formed(tokens: Sequence[str]) -> bool:
    """Balanced brackets and no empty group or alternative."""
    stack: list[str] = []
    pairs = {"]": "[", ")": "("}
    previous = "|"  # an expression may not start with `|` or a closing bracket
    for token in tokens:
        if token in ("]", ")", "|") and previous in ("[", "(", "|"):
            return False
        if token in ("[", "("):
            stack.append(token)
        elif token in pairs and (not stack or stack.pop() != pairs[token]):
            return False
        previous = token
    return not stack and previous not in ("|", "[", "(")


def split_rules(lines: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Phrase lines and `<rule> = body` definitions (the last definition of a rule wins)."""
    phrases: list[str] = []
    rules: dict[str, str] = {}
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        match = _RULE_DEFINITION.match(stripped.lower())
        if match:
            rules[match.group(1)] = match.group(2).strip()
        else:
            phrases.append(stripped)
    return phrases, rules


# A parsed phrase: ("word", w), ("slot", "{name}"), ("rule", name), ("seq", [...]),
# ("alt", [...]) or ("opt", node).
Node = tuple[str, Any]


class TemplateSyntaxError(ValueError):
    """A phrase or rule that cannot be parsed; the phrase is skipped and reported."""


def parse_template(tokens: Sequence[str]) -> Node:
    """Tokens → tree (raises TemplateSyntaxError)."""
    if not _well_formed(tokens):
        raise TemplateSyntaxError("unbalanced brackets or an empty alternative")
    position = 0

    def expression(closing: str | None) -> Node:
        nonlocal position
        alternatives: list[Node] = []
        sequence: list[Node] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == closing:
                break
            if token == "|":
                alternatives.append(("seq", sequence))
                sequence = []
            elif token in ("(", "["):
                inner = expression(")" if token == "(" else "]")
                sequence.append(inner if token == "(" else ("opt", inner))
            elif token[0] == "{":
                if token not in SLOTS:
                    raise TemplateSyntaxError(f"unknown slot {token}")
                sequence.append(("slot", token))
            elif token[0] == "<":
                sequence.append(("rule", token[1:-1]))
            else:
                sequence.append(("word", token))
        alternatives.append(("seq", sequence))
        return alternatives[0] if len(alternatives) == 1 else ("alt", alternatives)

    return expression(None)
