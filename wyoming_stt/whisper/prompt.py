"""The names Whisper is prompted with: as many as its prompt holds, the least common first.

Whisper reads the prompt as text said before the audio, and keeps at most MAX_PROMPT_TOKENS
of it. A house with seventy-odd names (Home Assistant's demo has about that many exposed to
Assist, areas included) does not fit. Cut by characters in the order given (entity ids, then
areas), the names at the end were silently lost: with 54 other names in front of the held-out
house's 23, `bench stt`'s held-out commands went from 9.7 to 18.1 % WER.

Now every name goes in, in the order given, when all fit the token limit. When they do not,
the names the prompt helps most are taken first: those with a word Whisper's tokenizer does
not know whole ("EcoBee", "HVAC", "RGBW", "Hygrostat": words it has seldom seen, or spells its
own way); then names of common words ("Kitchen Lights", "Bedroom"), which Whisper writes right
without a prompt, while room is left. The name snapper still knows every name. Chosen on the
tuning set (docs/stt.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..biasing import unique
from .decoding import MAX_PROMPT_TOKENS

SEPARATOR = ", "


def prompt_names(
    names: Iterable[str], count_tokens: Callable[[str], int], budget: int = MAX_PROMPT_TOKENS
) -> tuple[str, ...]:
    """The names that go into the prompt, in their given order: all of them when they fit in
    `budget` tokens; else first those with a word the tokenizer splits, then the others, while
    room is left.

    count_tokens(text) is the number of tokens of text (" Name" as the prompt holds it).
    """
    items = unique(names)
    if _fits(items, count_tokens, budget):
        return items
    split = [name for name in items if count_tokens(" " + name) > len(name.split())]
    whole = [name for name in items if name not in split]
    chosen: set[str] = set()
    used = 1  # the final full stop
    for name in (*split, *whole):
        cost = count_tokens(" " + name) + (1 if chosen else 0)  # ", " before all but the first
        if used + cost <= budget:
            chosen.add(name)
            used += cost
    held = [name for name in items if name in chosen]
    while held and not _fits(held, count_tokens, budget):
        held.pop()  # the tokenizer merged differently than counted: never over the limit
    return tuple(held)


def _fits(names: Sequence[str], count_tokens: Callable[[str], int], budget: int) -> bool:
    return count_tokens(" " + whisper_prompt(names)) <= budget


def whisper_prompt(names: Iterable[str]) -> str:
    """The prompt's text: names the way Whisper has seen them written, `A, B, C.`"""
    text = SEPARATOR.join(names)
    return f"{text}." if text else ""


def prompt_items(prompt: str) -> tuple[str, ...]:
    """The names of a whisper_prompt, back out of its text."""
    return tuple(item.strip() for item in prompt.removesuffix(".").split(", ") if item.strip())
