"""Command grammars for pocketsphinx: phrase templates and names → a minimal word graph.

Pure functions (no pocketsphinx import): the dictionary is reached through a lookup callable,
so grammars are built and tested without the recogniser.

Template syntax, one phrase per line: plain words, `[optional words]`, `(one | other)`, the
slots `{name}` (any of the names: HA entity names, areas, ...), `{area}` (any of the areas) and
`{number}` (zero to one hundred, spoken), and `<rule>` for a rule defined on its own line as
`<rule> = words, [optional], (a | b), slots`. Digits are spoken (`5` → `five`), case and
punctuation are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .automaton import WordGraph, WordNfa, minimal_graph
from .words import (
    MAX_COMPOUND_PARTS,
    WordLookup,
    compound,
    number_words,
    resolve_pronunciation,
    spoken_form,
)

__all__ = [
    "Grammar",
    "WordLookup",
    "build_grammar",
    "number_words",
    "resolve_pronunciation",
    "split_rules",
    "spoken_form",
    "tokenize_template",
]

NAME_SLOT = "{name}"
AREA_SLOT = "{area}"
NUMBER_SLOT = "{number}"
SLOTS = (NAME_SLOT, AREA_SLOT, NUMBER_SLOT)
NUMBERS = range(101)
"""What `{number}` stands for: zero to one hundred."""

_TOKEN = re.compile(r"\{[a-z_]+\}|<[a-z_][a-z0-9_]*>|[\[\]()|]|[^\s\[\]()|<>{}]+")
_RULE_DEFINITION = re.compile(r"^\s*<([a-z_][a-z0-9_]*)>\s*=(.*)$")
_SYNTAX = frozenset(("[", "]", "(", ")", "|"))


@dataclass(frozen=True)
class Grammar:
    """A compiled command grammar and what the dictionary needs for it."""

    graph: WordGraph
    """The phrases as a minimal word graph (for `Decoder.create_fsg`)."""
    new_words: dict[str, str]
    """Words to add to the dictionary, with their phones."""
    dropped_words: tuple[str, ...]
    """Words without a pronunciation; the phrases and names using them were left out."""
    phrase_count: int
    name_count: int
    area_count: int = 0
    skipped_phrases: tuple[str, ...] = ()
    """Phrases left out for their syntax (unbalanced brackets, unknown slot or rule)."""

    def accepts(self, text: str) -> bool:
        """Whether the grammar can say this text (compared in spoken form)."""
        return self.graph.accepts(spoken_form(text))


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


class _Resolver:
    """Resolves words once each, remembering new and unknown ones."""

    def __init__(self, lookup: WordLookup, derive: WordLookup | None = None) -> None:
        self._lookup = lookup
        self._derive = derive
        self.known: dict[str, bool] = {}
        self.new_words: dict[str, str] = {}
        self.dropped: set[str] = set()

    def ok(self, word: str) -> bool:
        if word not in self.known:
            direct = self._lookup(word)
            phones = direct
            if phones is None:
                if self._derive is not None:
                    phones = self._derive(word)
                else:
                    phones = compound(word, self._lookup, MAX_COMPOUND_PARTS)
            self.known[word] = phones is not None
            if phones is None:
                self.dropped.add(word)
            elif direct is None:
                self.new_words[word] = phones
        return self.known[word]

    def all_ok(self, phrase: str) -> bool:
        # Every word is checked (no short-circuit) so the log lists all unknown words at once.
        return all([self.ok(word) for word in phrase.split()])


# A parsed phrase: ("word", w), ("slot", "{name}"), ("rule", name), ("seq", [...]),
# ("alt", [...]) or ("opt", node).
_Node = tuple[str, Any]


class _SyntaxProblem(ValueError):
    """A phrase or rule that cannot be parsed; the phrase is skipped and reported."""


def _parse(tokens: Sequence[str]) -> _Node:
    """Tokens → tree (raises _SyntaxProblem)."""
    if not _well_formed(tokens):
        raise _SyntaxProblem("unbalanced brackets or an empty alternative")
    position = 0

    def expression(closing: str | None) -> _Node:
        nonlocal position
        alternatives: list[_Node] = []
        sequence: list[_Node] = []
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
                    raise _SyntaxProblem(f"unknown slot {token}")
                sequence.append(("slot", token))
            elif token[0] == "<":
                sequence.append(("rule", token[1:-1]))
            else:
                sequence.append(("word", token))
        alternatives.append(("seq", sequence))
        return alternatives[0] if len(alternatives) == 1 else ("alt", alternatives)

    return expression(None)


class _Compiler:
    """Checks phrases against the rules, slots and dictionary, and adds them to a word NFA."""

    def __init__(
        self, rules: dict[str, str], slots: dict[str, list[str]], resolver: _Resolver
    ) -> None:
        self.rule_sources = rules
        self.slots = slots
        self.resolver = resolver
        self.rules: dict[str, _Node | None] = {}
        self._visiting: set[str] = set()
        self.used_slots: set[str] = set()
        self.nfa = WordNfa()

    def check(self, template: str) -> _Node | None:
        """The parsed phrase without the parts that cannot be said (a word without a
        pronunciation, an empty slot): such an optional part or alternative is left out, and
        None is returned when the phrase needs one.
        """
        return self._prune(_parse(tokenize_template(template)))

    def _prune(self, node: _Node) -> _Node | None:
        kind, value = node
        if kind == "word":
            return node if self.resolver.ok(value) else None
        if kind == "slot":
            return node if self.slots[value] else None
        if kind == "rule":
            return node if self._rule(value) is not None else None
        if kind == "opt":
            inner = self._prune(value)
            return ("opt", inner) if inner is not None else ("seq", [])
        # Every part is checked (no short-circuit) so the log lists all unknown words at once.
        parts = [self._prune(part) for part in value]
        if kind == "seq":
            return None if None in parts else ("seq", parts)
        usable = [part for part in parts if part is not None]
        return ("alt", usable) if usable else None

    def _rule(self, name: str) -> _Node | None:
        if name not in self.rules:
            if name not in self.rule_sources:
                raise _SyntaxProblem(f"undefined rule <{name}>")
            if name in self._visiting:
                raise _SyntaxProblem(f"rule <{name}> refers to itself")
            self._visiting.add(name)
            try:
                self.rules[name] = self.check(self.rule_sources[name])
            finally:
                self._visiting.discard(name)
        return self.rules[name]

    def add(self, node: _Node) -> None:
        """Add a checked phrase to the NFA."""
        self.nfa.epsilon(self._build(node, WordNfa.START), WordNfa.FINAL)

    def _build(self, node: _Node, state: int) -> int:
        """NFA states for node from state; returns the end state."""
        kind, value = node
        nfa = self.nfa
        if kind == "word":
            return nfa.word(state, value)
        if kind == "seq":
            for part in value:
                state = self._build(part, state)
            return state
        if kind == "opt":
            end = self._build(value, state)
            nfa.epsilon(state, end)
            return end
        if kind == "rule":
            rule = self.rules[value]
            assert rule is not None
            return self._build(rule, state)
        if kind == "slot":
            self.used_slots.add(value)
            value = [("seq", [("word", w) for w in phrase.split()]) for phrase in self.slots[value]]
        end = nfa.new_state()
        for alternative in value:
            nfa.epsilon(self._build(alternative, state), end)
        return end


def build_grammar(
    templates: Iterable[str],
    names: Iterable[str],
    lookup: WordLookup,
    areas: Iterable[str] = (),
    derive: WordLookup | None = None,
) -> Grammar | None:
    """The grammar of the templates; None when no phrase is usable.

    `{name}` stands for the names, `{area}` for the areas, `{number}` for zero to one hundred.
    `derive` makes a pronunciation for a word the dictionary lacks (default: from the
    dictionary words it is made of). A phrase whose slot has no entries is left out, as is one
    with a word that has no pronunciation; one with a syntax mistake is left out and listed in
    `skipped_phrases`.
    """
    resolver = _Resolver(lookup, derive)
    name_phrases = [p for p in _unique(spoken_form(n) for n in names) if p and resolver.all_ok(p)]
    area_phrases = [p for p in _unique(spoken_form(a) for a in areas) if p and resolver.all_ok(p)]
    slots = {
        NAME_SLOT: name_phrases,
        AREA_SLOT: area_phrases,
        NUMBER_SLOT: [number_words(n) for n in NUMBERS],
    }
    phrases, rule_sources = split_rules(templates)
    compiler = _Compiler(rule_sources, slots, resolver)
    count = 0
    skipped: list[str] = []
    for template in phrases:
        try:
            node = compiler.check(template)
        except _SyntaxProblem as problem:
            skipped.append(f"{template} ({problem})")
            continue
        if node is not None and node != ("seq", []):
            compiler.add(node)
            count += 1
    graph = minimal_graph(compiler.nfa) if count else None
    if graph is None:
        return None
    return Grammar(
        graph=graph,
        new_words={w: p for w, p in resolver.new_words.items() if w in graph.words},
        dropped_words=tuple(sorted(resolver.dropped)),
        phrase_count=count,
        name_count=len(name_phrases) if NAME_SLOT in compiler.used_slots else 0,
        area_count=len(area_phrases) if AREA_SLOT in compiler.used_slots else 0,
        skipped_phrases=tuple(skipped),
    )


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
