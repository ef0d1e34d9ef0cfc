"""The fast path: Home Assistant's own sentence templates recognise the intent, and the same
executor the model uses carries it out (no language model, a few milliseconds)."""

from __future__ import annotations

import logging
from dataclasses import replace

from wyoming_common.worker import ModelWorker

from ..hass.home import Home
from ..intents.calls import CallResult, IntentCall
from ..intents.words import words
from ..turn import TurnContext
from .matcher import HomeNames, IntentMatch, IntentMatcher
from .responses import localized

_LOGGER = logging.getLogger(__name__)


def call_for(match: IntentMatch, text: str) -> IntentCall:
    """The intent call for a template match (slot names are already HA's).

    An area the templates took from the speaker without the words saying so ("pause", "set
    the temperature to 19") is dropped: the speaker's area is still preferred, but the only
    thermostat of the home, or what plays elsewhere, is found too. "In here" keeps it."""
    slots = dict(match.slots)
    if match.area_from_context and "here" not in words(text):
        slots.pop("area", None)
    return IntentCall(match.intent, slots, style=match.response_key)


class FastPath:
    """Recognises intents with HA's sentence templates and the home's names."""

    def __init__(self, matcher: IntentMatcher, worker: ModelWorker, home: Home | None) -> None:
        self.matcher = matcher
        self.worker = worker
        self.home = home

    def _names(self) -> HomeNames:
        home = self.home
        if home is None:
            return HomeNames(0, (), (), ())
        return HomeNames(
            home.generation,
            tuple(home.entities.values()),
            tuple(home.areas.values()),
            tuple(home.floors.values()),
        )

    def in_language(self, match: IntentMatch, result: CallResult, language: str) -> CallResult:
        """The result, said with HA's own reply when the sentence was not English."""
        if self.home is None or language.split("-", maxsplit=1)[0].lower() == "en":
            return result
        text = localized(self.matcher.responses(match.language), match, result, self.home)
        return replace(result, speech=text) if text else result

    async def recognise(self, turn: TurnContext) -> IntentMatch | None:
        """The intent in the turn's text, if HA's templates know it."""
        language = self.matcher.language_for(turn.language)
        if language is None:
            return None
        area = None
        if self.home is not None and turn.area_id:
            area = self.home.areas.get(turn.area_id)
        match = await self.worker.run(self.matcher.match, turn.text, language, self._names(), area)
        if match is not None:
            _LOGGER.debug("Fast path: %s %s (%s)", match.intent, match.slots, match.response_key)
        return match
