"""Model answers that claim what only Home Assistant can know or do.

A model that says "I turned on the light" without a call that did it, or "it is sunny and
22 degrees" without reading a weather entity, is replaced by an honest sentence."""

from __future__ import annotations

import re

from .intents.utterance import Utterance
from .intents.vocab import WEATHER_WORDS

_ACTION_CLAIM = re.compile(
    r"\b(turned|switched|opened|closed|locked|unlocked|started|stopped|paused|resumed|set|"
    r"dimmed|activated|added|muted|unmuted|skipped|changed|adjusted|done)\b"
    r"|\bi(?:'ve| have| will|'ll)\b",
    re.IGNORECASE,
)
_FACT_CLAIM = re.compile(
    r"\d|°|\b(degrees?|sunny|cloudy|raining|rainy|snowing|clear|overcast|foggy|windy)\b",
    re.IGNORECASE,
)
_STATE_CLAIM = re.compile(
    r"\b(is|are)\s+(now\s+)?(on|off|open|closed|locked|unlocked|playing|paused|running)\b",
    re.IGNORECASE,
)
_CODE = re.compile(r'[{}\[\]]|"\s*(name|arguments)\s*"', re.IGNORECASE)
"""A tool call written out as text ({"name": "HassTurnOn", "arguments": ...}): not speech."""
NOT_DONE = "Sorry, I'm not sure what you want me to do."
CANNOT_CHECK = "Sorry, I can't check that right now."
NO_WEATHER = "Sorry, I can only tell the weather from Home Assistant's weather data."


def asks_about_weather(said: Utterance) -> bool:
    """True when the words ask about weather or temperature."""
    return bool(set(said.stems) & WEATHER_WORDS)


def honest_answer(said: Utterance, answer: str, *, home_turn: bool) -> str:
    """The model's answer, or an honest replacement when it claims facts it cannot know.

    home_turn: the words were about the home (tools were on offer) but no tool ran.
    """
    if _CODE.search(answer):
        return NOT_DONE  # a call the model wrote as text instead of making it: never spoken
    if asks_about_weather(said) and _FACT_CLAIM.search(answer):
        return NO_WEATHER
    if home_turn and _ACTION_CLAIM.search(answer) and not answer.rstrip().endswith("?"):
        return NOT_DONE
    if home_turn and _STATE_CLAIM.search(answer) and not answer.rstrip().endswith("?"):
        return CANNOT_CHECK
    return answer
