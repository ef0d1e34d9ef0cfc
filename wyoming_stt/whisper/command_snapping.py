"""A misheard first word of a command snapped to the command's own: "Pass the TV." → "Pause
the TV.".

Whisper knows no grammar. On a short command it sometimes hears the verb as another word that
sounds alike and the rest right ("Tim the Living Room Lamp", "Pass the TV", "It's the front
door unlocked"). The built-in command grammar (the embedded engine's phrases, filled with the
house's names by their domains; its generic device and room words until names are known) says
what a command can be. The first word of a transcript is replaced when:
- the transcript (in spoken form) is not a phrase of the grammar, and putting one word of the
  grammar in the place of its first word makes it one, for exactly one such word;
- that word is not a word of a name, and the first word is not a word of the grammar at all
  (a real "turn" or "lock" is never changed: it may be what was said);
- the two sound alike: the same rough phonetic key and at most two letters apart, or keys one
  apart and one letter.
Only the first word: a device the house does not have ("lock the shed") must stay as it was
said, not become one it has or a word of the grammar ("lock the shade"); names are the name
snapper's (snapping.py). English only: the grammar is English.
"""

from __future__ import annotations

import re

from ..engines import Vocabulary
from ..pocketsphinx.default_grammar import default_areas, default_names, default_phrase_graph
from ..pocketsphinx.grammar import spoken_form
from .snapping import edit_distance, letters, phonetic_key

_FIRST_WORD = re.compile(r"[A-Za-z0-9']+")


def sounds_alike(heard: str, word: str) -> bool:
    """Same phonetic key and ≤ 2 letters apart, or keys 1 apart and 1 letter."""
    keys = edit_distance(phonetic_key(heard), phonetic_key(word))
    spelling = edit_distance(letters(heard), letters(word))
    return (keys == 0 and spelling <= 2) or (keys == 1 and spelling <= 1)


class CommandSnapper:
    """Replaces a misheard first word when exactly one command of the grammar fits."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        generic = not vocabulary.everything
        names = default_names() if generic else vocabulary.names
        areas = default_areas() if generic else vocabulary.areas
        self._graph = default_phrase_graph(names, areas, vocabulary.domains)
        self._name_words = {word for name in (*names, *areas) for word in spoken_form(name).split()}

    def is_command(self, text: str) -> bool:
        """Whether text (in spoken form) is a phrase of the grammar."""
        words = spoken_form(text).split()
        return self._graph is not None and bool(words) and self._graph.accepts(words)

    def snap(self, text: str) -> str:
        """text with its first word replaced, or text unchanged."""
        graph = self._graph
        first = _FIRST_WORD.search(text)
        if graph is None or first is None:
            return text
        words = spoken_form(text).split()
        heard = spoken_form(first.group())
        if not words or heard != words[0] or heard in graph.words or graph.accepts(words):
            return text
        fits = {
            word
            for word, state in graph.choices(graph.start)
            if word not in self._name_words
            and sounds_alike(heard, word)
            and graph.accepts_from(state, words[1:])
        }
        if len(fits) != 1:
            return text
        (word,) = fits
        if first.group()[:1].isupper():
            word = word[:1].upper() + word[1:]
        return text[: first.start()] + word + text[first.end() :]
