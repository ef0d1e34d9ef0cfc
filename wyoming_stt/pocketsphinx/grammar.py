"""Command grammars for pocketsphinx: phrase templates and names → a minimal word graph.

Pure functions (no pocketsphinx import): the dictionary is reached through a lookup callable,
so grammars are built and tested without the recogniser.

The template syntax is in templates.py: `{name}` is any of the names and areas, `{area}` any of
the areas, the typed slots (`{light}`, `{cover}`, ...) the names of their Home Assistant
domains (name_slots.py), `{number}` zero to one hundred (spoken), `{count}` the same but
`one` (a plural noun follows). Digits are spoken (`5` → `five`), case and punctuation are
ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .automaton import WordGraph, WordNfa, minimal_graph
from .name_slots import AREA_SLOT, COUNT_SLOT, NAME_SLOT, NUMBER_SLOT, TYPED_SLOTS, slot_takes
from .templates import (
    NUMBERS,
    Node,
    TemplateSyntaxError,
    parse_template,
    split_rules,
    tokenize_template,
)
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

    def sayable(self, items: Iterable[str]) -> list[str]:
        """The items in spoken form, each once, without those it cannot say."""
        return [p for p in _unique(spoken_form(i) for i in items) if p and self.all_ok(p)]

    def all_ok(self, phrase: str) -> bool:
        # Every word is checked (no short-circuit) so the log lists all unknown words at once.
        return all([self.ok(word) for word in phrase.split()])


class _Compiler:
    """Checks phrases against the rules, slots and dictionary, and adds them to a word NFA."""

    def __init__(
        self, rules: dict[str, str], slots: dict[str, list[str]], resolver: _Resolver
    ) -> None:
        self.rule_sources = rules
        self.slots = slots
        self.resolver = resolver
        self.rules: dict[str, Node | None] = {}
        self._visiting: set[str] = set()
        self.used_slots: set[str] = set()
        self.nfa = WordNfa()

    def check(self, template: str) -> Node | None:
        """The parsed phrase without the parts that cannot be said (a word without a
        pronunciation, an empty slot): such an optional part or alternative is left out, and
        None is returned when the phrase needs one.
        """
        return self._prune(parse_template(tokenize_template(template)))

    def _prune(self, node: Node) -> Node | None:
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

    def _rule(self, name: str) -> Node | None:
        if name not in self.rules:
            if name not in self.rule_sources:
                raise TemplateSyntaxError(f"undefined rule <{name}>")
            if name in self._visiting:
                raise TemplateSyntaxError(f"rule <{name}> refers to itself")
            self._visiting.add(name)
            try:
                self.rules[name] = self.check(self.rule_sources[name])
            finally:
                self._visiting.discard(name)
        return self.rules[name]

    def add(self, node: Node) -> None:
        """Add a checked phrase to the NFA."""
        self.nfa.epsilon(self._build(node, WordNfa.START), WordNfa.FINAL)

    def _build(self, node: Node, state: int) -> int:
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
    *,
    domains: Iterable[tuple[str, str]] = (),
) -> Grammar | None:
    """The grammar of the templates; None when no phrase is usable.

    `{name}` stands for the names and the areas, `{area}` for the areas, a typed slot for the
    names of its domains (`domains`: (name, Home Assistant domain) pairs; a name without any
    fills every typed slot, an area that is not also a name none), `{number}` for zero to one
    hundred, `{count}` for those but one. `derive` makes a pronunciation for a word the
    dictionary lacks (default: from the dictionary words it is made of). A phrase whose slot
    has no entries is left out, as is one with a word that has no pronunciation; one with a
    syntax mistake is left out and listed in `skipped_phrases`.
    """
    resolver = _Resolver(lookup, derive)
    name_phrases = resolver.sayable(names)
    area_phrases = resolver.sayable(areas)
    slots = _slots(name_phrases, area_phrases, domains)
    phrases, rule_sources = split_rules(templates)
    compiler = _Compiler(rule_sources, slots, resolver)
    count = 0
    skipped: list[str] = []
    for template in phrases:
        try:
            node = compiler.check(template)
        except TemplateSyntaxError as problem:
            skipped.append(f"{template} ({problem})")
            continue
        if node is not None and node != ("seq", []):
            compiler.add(node)
            count += 1
    graph = minimal_graph(compiler.nfa) if count else None
    if graph is None:
        return None
    names_used = bool(compiler.used_slots - {AREA_SLOT, NUMBER_SLOT, COUNT_SLOT})
    return Grammar(
        graph=graph,
        new_words={w: p for w, p in resolver.new_words.items() if w in graph.words},
        dropped_words=tuple(sorted(resolver.dropped)),
        phrase_count=count,
        name_count=len(name_phrases) if names_used else 0,
        area_count=len(area_phrases) if AREA_SLOT in compiler.used_slots else 0,
        skipped_phrases=tuple(skipped),
    )


def _slots(
    names: list[str], areas: list[str], domains: Iterable[tuple[str, str]]
) -> dict[str, list[str]]:
    """What each slot stands for (names and areas in spoken form)."""
    known: dict[str, set[str]] = {}
    for name, domain in domains:
        known.setdefault(spoken_form(name), set()).add(domain)
    slots = {
        NAME_SLOT: _unique([*names, *areas]),
        AREA_SLOT: areas,
        NUMBER_SLOT: [number_words(n) for n in NUMBERS],
        COUNT_SLOT: [number_words(n) for n in NUMBERS if n != 1],
    }
    for slot in TYPED_SLOTS:
        slots[slot] = [p for p in names if slot_takes(slot, frozenset(known.get(p, ())))]
    return slots


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
