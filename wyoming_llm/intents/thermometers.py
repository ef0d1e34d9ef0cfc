"""A temperature asked of something the home measures: "how cold is it outside" → the Outdoor
Temperature sensor, "how warm is the lake" → Lake Temperature.

Home Assistant's sentences ask temperatures of areas and thermostats only; a small model sent
such questions to the weather service ("It is 12 degrees and rainy" while the garden sensor
read -3). Asked after HA's sentences found nothing and before any model: a question with a
temperature word whose words hold every distinctive word of exactly one exposed thermometer's
name ("Outdoor" of "Outdoor Temperature"; "outside" counts as "outdoor"). Answered from the
live state; English only.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..hass.models import ExposedEntity
from .utterance import Utterance
from .vocab import QUESTION_WORDS, w
from .words import content_stems

TEMPERATURE_WORDS = w("temperature temp warm cold hot chilly freezing degree")
_NOT_DISTINCTIVE = w("temperature temp sensor thermometer")
_SAME_PLACE = {"outside": "outdoor", "outdoors": "outdoor", "exterior": "outdoor"}


def _place_words(stems: Iterable[str]) -> set[str]:
    return {_SAME_PLACE.get(stem, stem) for stem in stems}


def is_thermometer(entity: ExposedEntity) -> bool:
    """A thermostat or a temperature sensor."""
    return entity.domain == "climate" or (
        entity.domain == "sensor" and entity.device_class == "temperature"
    )


def asked_thermometer(said: Utterance, entities: Iterable[ExposedEntity]) -> ExposedEntity | None:
    """The one exposed thermometer a temperature question names, if it names one."""
    if not said.stems or said.stems[0] not in QUESTION_WORDS:
        return None
    words = _place_words(said.stems)
    if not words & TEMPERATURE_WORDS:
        return None
    named = []
    for entity in entities:
        if not is_thermometer(entity):
            continue
        for name in entity.names:
            own = _place_words(content_stems(name)) - _NOT_DISTINCTIVE
            if own and own <= words:
                named.append(entity)
                break
    return named[0] if len(named) == 1 else None
