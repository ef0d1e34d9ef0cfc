"""Text as it should be spoken: the one cleaner every package uses before text reaches a voice.

`clean_for_speech` removes markdown, HTML, URLs and emoji a language model writes and spells out
numbers, units and symbols that voices read badly. `SpeechStream` applies it to streamed model
text; `spoken_number`, `spoken_quantity` and `join_names` build sentences from values.
Pure functions (and one SpeechStream per reply); safe to call from any thread.
"""

from __future__ import annotations

from .cleaner import clean_for_speech, tidy_whitespace
from .markup import strip_emoji, strip_markdown
from .phrases import UNIT_WORDS, join_names, spoken_number, spoken_quantity
from .stream import SpeechStream, count_sentences
from .symbols import normalize_symbols

__all__ = [
    "UNIT_WORDS",
    "SpeechStream",
    "clean_for_speech",
    "count_sentences",
    "join_names",
    "normalize_symbols",
    "spoken_number",
    "spoken_quantity",
    "strip_emoji",
    "strip_markdown",
    "tidy_whitespace",
]
