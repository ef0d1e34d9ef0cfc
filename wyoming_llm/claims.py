"""Model answers that claim what only Home Assistant can know or do, or that are not answers.

A model that says "I turned on the light" without a call that did it, or "it is sunny and
22 degrees" without reading a weather entity, is replaced by an honest sentence. Text that
talks about the model's tools ("call the HassClimateSetTemperature function") or reads its
rules back ("I control the home only through the tools") is never spoken (`off_script`)."""

from __future__ import annotations

import re

from .intents.utterance import Utterance
from .intents.vocab import CLOSE_WORDS, OFF_WORDS, ON_WORDS, OPEN_WORDS, WEATHER_WORDS, w
from .intents.words import content_stems
from .prompt import HOME_RULES

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
_TOOL_NAME = re.compile(r"\bHass[A-Z]\w*")
"""An intent tool's name (HassTurnOn, ...): no answer for the ear mentions one."""
_WORD = re.compile(r"[a-z0-9']+")
ECHO_WORDS = 5
"""A run of this many words of the home rules in an answer: the model reads its rules back."""
_RULE_RUNS = frozenset(
    tuple(words[i : i + ECHO_WORDS])
    for words in [_WORD.findall(HOME_RULES.lower())]
    for i in range(len(words) - ECHO_WORDS + 1)
)
NOT_DONE = "Sorry, I'm not sure what you want me to do."
CANNOT_CHECK = "Sorry, I can't check that right now."
NO_WEATHER = "Sorry, I can only tell the weather from Home Assistant's weather data."


def off_script(text: str) -> bool:
    """Whether text (an answer, or what of it streamed so far) is no answer for the ear: a tool
    call written as text, a tool's name, or the system prompt's home rules read back."""
    if _CODE.search(text) or _TOOL_NAME.search(text):
        return True
    words = _WORD.findall(text.lower())
    return any(
        tuple(words[i : i + ECHO_WORDS]) in _RULE_RUNS for i in range(len(words) - ECHO_WORDS + 1)
    )


def asks_about_weather(said: Utterance) -> bool:
    """True when the words ask about weather or temperature."""
    return bool(set(said.stems) & WEATHER_WORDS)


_COMMAND_VERBS = (
    ON_WORDS
    | OFF_WORDS
    | OPEN_WORDS
    | CLOSE_WORDS
    | w(
        "turn switch set dim brighten lock unlock mute unmute pause unpause resume skip press "
        "push mow clean vacuum add remove cancel"
    )
)
"""First words of a command (not of a question or a greeting)."""


def restates(said: Utterance, answer: str) -> bool:
    """Whether the answer to a command opens with the command's own words ("start the
    generator" → "Starts the generator."): said back as if done, though no tool ran (also where
    no device matched and no tool was on offer); not an answer. A greeting said back ("good
    morning") is no command."""
    request = content_stems(said.text)
    return (
        len(request) >= 2
        and request[0] in _COMMAND_VERBS
        and content_stems(answer)[: len(request)] == request
    )


def commands(said: Utterance) -> bool:
    """Whether the words open with a command's verb ("start the generator"), about the home
    even where no device of it matched."""
    request = content_stems(said.text)
    return bool(request) and request[0] in _COMMAND_VERBS


def honest_answer(said: Utterance, answer: str, *, home_turn: bool) -> str:
    """The model's answer, or an honest replacement when it claims facts it cannot know.

    home_turn: the words were about the home (tools were on offer) but no tool ran.
    """
    if off_script(answer):
        return NOT_DONE  # e.g. a call the model wrote as text instead of making it
    if asks_about_weather(said) and _FACT_CLAIM.search(answer):
        return NO_WEATHER
    claims = restates(said, answer) or (home_turn and _ACTION_CLAIM.search(answer))
    if claims and not answer.rstrip().endswith("?"):
        return NOT_DONE
    if home_turn and _STATE_CLAIM.search(answer) and not answer.rstrip().endswith("?"):
        return CANNOT_CHECK
    return answer
