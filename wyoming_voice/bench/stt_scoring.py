"""How right a transcript is: word errors, exact match, and the errors that act.

A wrong transcript is one of three kinds: empty (the recogniser said it did not understand,
Home Assistant answers "no text recognised"), a *different valid command* (the worst: the
agent carries it out), or other words (usually not understood by the agent either). "Valid
command" means: accepted by the built-in command grammar of the embedded engine with the
house's names, the same shapes Home Assistant's English sentences have (a verb names only
the kinds of device it acts on: "open the kitchen lights" is not a command).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from wyoming_stt.engines import Vocabulary
from wyoming_stt.pocketsphinx.automaton import WordGraph
from wyoming_stt.pocketsphinx.default_grammar import (
    default_areas,
    default_names,
    default_phrase_graph,
)
from wyoming_stt.pocketsphinx.grammar import spoken_form
from wyoming_stt.pocketsphinx.rejection import same_request

EXACT = "exact"
EMPTY = "empty"
FALSE_COMMAND = "false-command"
OTHER_WORDS = "other-words"


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words) on spoken forms (digits as words, no punctuation)."""
    ref, hyp = spoken_form(reference).split(), spoken_form(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, 1):
            substitution = previous[j - 1] + (ref_word != hyp_word)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        previous = current
    return previous[-1], len(ref)


class CommandSet:
    """What counts as a valid command: the built-in grammar with the house's names (by their
    domains, as Home Assistant's sentences take them) and the generic device and room words
    (a house's names shut those out of the recogniser, not out of what an agent acts on)."""

    def __init__(self, house: Vocabulary) -> None:
        self._house = house

    @cached_property
    def graph(self) -> WordGraph:
        graph = default_phrase_graph(
            (*default_names(), *self._house.names),
            (*default_areas(), *self._house.areas),
            self._house.domains,
        )
        assert graph is not None
        return graph

    def accepts(self, text: str) -> bool:
        """Whether text is a command the grammar can say."""
        spoken = spoken_form(text)
        return bool(spoken) and self.graph.accepts(spoken)


def outcome(reference: str, hypothesis: str, commands: CommandSet) -> str:
    """exact, empty, false-command (another valid command) or other-words."""
    if spoken_form(hypothesis) == spoken_form(reference):
        return EXACT
    if not spoken_form(hypothesis):
        return EMPTY
    if commands.accepts(hypothesis):
        return FALSE_COMMAND
    return OTHER_WORDS


@dataclass(frozen=True)
class Scored:
    """One clip's result."""

    name: str
    reference: str
    kind: str
    """command (the house understands it) or other (not a command at all)."""
    hypothesis: str
    outcome: str
    edits: int
    words: int


@dataclass(frozen=True)
class Accuracy:
    """The figures over a set of clips."""

    clips: int
    wer: float
    exact: int
    empty: int
    false_commands: int
    other_requests: int
    """False commands that ask for something else: not merely another article, plural or
    filler word ("cancel that timer" for "cancel the timer" asks the same)."""
    other_words: int
    commands_clips: int
    commands_wer: float
    """WER of the commands alone (for other sentences an empty transcript is the right one)."""
    commands_exact: int
    commands_empty: int
    other_clips: int
    other_empty: int
    """Sentences that are not commands and came out empty (rejected)."""
    wrong_empty_share: float | None
    """Of the wrong transcripts, the share that came out empty (instead of as words)."""


def score(
    clips: Sequence[tuple[str, str, str]], hypotheses: Sequence[str], commands: CommandSet
) -> list[Scored]:
    """clips: (name, reference, kind); hypotheses in the same order."""
    results = []
    for (name, reference, kind), hypothesis in zip(clips, hypotheses, strict=True):
        edits, words = word_errors(reference, hypothesis)
        results.append(
            Scored(
                name,
                reference,
                kind,
                hypothesis,
                outcome(reference, hypothesis, commands),
                edits,
                words,
            )
        )
    return results


def summarise(results: Sequence[Scored]) -> Accuracy:
    """WER over every clip, counts of each outcome, by kind."""
    wrong = [r for r in results if r.outcome != EXACT]
    commands = [r for r in results if r.kind == "command"]
    others = [r for r in results if r.kind != "command"]
    return Accuracy(
        clips=len(results),
        wer=_wer(results),
        exact=sum(r.outcome == EXACT for r in results),
        empty=sum(r.outcome == EMPTY for r in results),
        false_commands=sum(r.outcome == FALSE_COMMAND for r in results),
        other_requests=sum(asks_something_else(r) for r in results),
        other_words=sum(r.outcome == OTHER_WORDS for r in results),
        commands_clips=len(commands),
        commands_wer=_wer(commands),
        commands_exact=sum(r.outcome == EXACT for r in commands),
        commands_empty=sum(r.outcome == EMPTY for r in commands),
        other_clips=len(others),
        other_empty=sum(r.outcome == EMPTY for r in others),
        wrong_empty_share=(
            round(sum(r.outcome == EMPTY for r in wrong) / len(wrong), 3) if wrong else None
        ),
    )


def asks_something_else(result: Scored) -> bool:
    """A false command that does not ask what was said (a sentence that is no request at all,
    kind `other`, asks nothing: any command for it is something else; a device the house lacks,
    kind `absent`, is still a request: "turn on the garage light" for "turn on the Garage
    Lights" asks the same)."""
    if result.outcome != FALSE_COMMAND:
        return False
    if result.kind == "other":
        return True
    return not same_request(spoken_form(result.reference), spoken_form(result.hypothesis))


def _wer(results: Sequence[Scored]) -> float:
    words = sum(r.words for r in results)
    return round(sum(r.edits for r in results) / words, 4) if words else 0.0
