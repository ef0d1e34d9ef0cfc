"""Word graphs: a finite set of phrases compiled to the smallest deterministic automaton.

pocketsphinx's own JSGF compiler copies a rule (`{name}`, `{number}`, ...) at every place it
is used and keeps every phrase on its own path, so a few dozen phrases with a hundred names
become tens of thousands of states, and decoding slows down with the size of the graph (the
built-in grammar: 14 000 states, 1.4 s per command). Determinised and minimised, phrases
share their beginnings and endings: about 1 000 states and 0.2 s for the same language.

Pure Python, no pocketsphinx: the graph is handed to `Decoder.create_fsg` as transitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

Transition = tuple[int, int, float, str | None]
"""(from state, to state, probability, word); no word: an empty (epsilon) transition."""


class WordNfa:
    """A nondeterministic word automaton under construction (state 0 starts, 1 accepts)."""

    START = 0
    FINAL = 1

    def __init__(self) -> None:
        self.arcs: list[list[tuple[str, int]]] = [[], []]
        self.empty: list[list[int]] = [[], []]

    def new_state(self) -> int:
        """A fresh state."""
        self.arcs.append([])
        self.empty.append([])
        return len(self.arcs) - 1

    def word(self, src: int, word: str) -> int:
        """A transition on `word` from src to a fresh state, which is returned."""
        dst = self.new_state()
        self.arcs[src].append((word, dst))
        return dst

    def epsilon(self, src: int, dst: int) -> None:
        """An empty transition."""
        self.empty[src].append(dst)

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        """The states reachable through empty transitions."""
        stack = list(states)
        seen = set(stack)
        while stack:
            for nxt in self.empty[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)


@dataclass(frozen=True)
class WordGraph:
    """A minimal deterministic word graph with one final state, as pocketsphinx takes it.

    Every state spreads its probability evenly over its choices (including stopping there).
    """

    start: int
    final: int
    state_count: int
    transitions: tuple[Transition, ...] = field(repr=False)

    @cached_property
    def _next(self) -> dict[tuple[int, str | None], int]:
        return {(src, word): dst for src, dst, _p, word in self.transitions}

    @cached_property
    def _choices(self) -> dict[int, tuple[tuple[str, int], ...]]:
        choices: dict[int, list[tuple[str, int]]] = {}
        for src, dst, _p, word in self.transitions:
            if word is not None:
                choices.setdefault(src, []).append((word, dst))
        return {state: tuple(words) for state, words in choices.items()}

    def accepts(self, phrase: str | Sequence[str]) -> bool:
        """Whether the graph says exactly this word sequence."""
        words = phrase.split() if isinstance(phrase, str) else phrase
        return self.accepts_from(self.start, words)

    def accepts_from(self, state: int, words: Sequence[str]) -> bool:
        """Whether the words lead from state to the end of a phrase."""
        here: int | None = state
        for word in words:
            here = self._next.get((here, word)) if here is not None else None
        return here is not None and self._next.get((here, None)) == self.final

    def choices(self, state: int) -> tuple[tuple[str, int], ...]:
        """The words that may follow in state, each with the state it leads to."""
        return self._choices.get(state, ())

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word the graph uses."""
        return frozenset(word for _s, _d, _p, word in self.transitions if word is not None)


def minimal_graph(nfa: WordNfa) -> WordGraph | None:
    """Determinise (subset construction) and minimise; None when nothing is accepted.

    The language must be finite (no cycles), which phrase templates without recursion are.
    """
    arcs, accepting = _determinise(nfa)
    return _minimise(arcs, accepting)


def _determinise(nfa: WordNfa) -> tuple[list[dict[str, int]], list[bool]]:
    """Subset construction: each DFA state's arcs (word → state) and whether it accepts."""
    start = nfa.closure((WordNfa.START,))
    index: dict[frozenset[int], int] = {start: 0}
    arcs: list[dict[str, int]] = []
    accepting: list[bool] = []
    pending = [start]
    while pending:
        subset = pending.pop()
        number = index[subset]
        while len(arcs) <= number:
            arcs.append({})
            accepting.append(False)
        accepting[number] = WordNfa.FINAL in subset
        targets: dict[str, set[int]] = {}
        for state in subset:
            for word, dst in nfa.arcs[state]:
                targets.setdefault(word, set()).add(dst)
        for word, states in targets.items():
            closed = nfa.closure(states)
            if closed not in index:
                index[closed] = len(index)
                pending.append(closed)
            arcs[number][word] = index[closed]
    while len(arcs) < len(index):
        arcs.append({})
        accepting.append(False)
    return arcs, accepting


def _minimise(arcs: Sequence[dict[str, int]], accepting: Sequence[bool]) -> WordGraph | None:
    """Acyclic minimisation: states with the same finality and the same transitions into the
    same classes are equivalent; classes are settled children first."""
    klass: dict[int, int] = {}
    signatures: dict[tuple[bool, tuple[tuple[str, int], ...]], int] = {}
    representative: list[int] = []
    for state in _post_order(arcs):
        outgoing = tuple(
            sorted((word, klass[dst]) for word, dst in arcs[state].items() if dst in klass)
        )
        signature = (accepting[state], outgoing)
        if signature not in signatures:
            if not accepting[state] and not outgoing:
                continue  # a dead end: nothing accepted from here
            signatures[signature] = len(signatures)
            representative.append(state)
        klass[state] = signatures[signature]
    if 0 not in klass:
        return None
    final = len(representative)
    transitions: list[Transition] = []
    for number, state in enumerate(representative):
        live = [(word, klass[dst]) for word, dst in arcs[state].items() if dst in klass]
        choices = len(live) + (1 if accepting[state] else 0)
        probability = 1.0 / choices
        transitions.extend((number, dst, probability, word) for word, dst in sorted(live))
        if accepting[state]:
            transitions.append((number, final, probability, None))
    return WordGraph(
        start=klass[0], final=final, state_count=final + 1, transitions=tuple(transitions)
    )


def _post_order(arcs: Sequence[dict[str, int]]) -> list[int]:
    """States reachable from 0, every state after all its successors."""
    order: list[int] = []
    seen = {0}
    stack = [(0, iter(arcs[0].values()))]
    while stack:
        state, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(arcs[child].values())))
                break
        else:
            order.append(state)
            stack.pop()
    return order
