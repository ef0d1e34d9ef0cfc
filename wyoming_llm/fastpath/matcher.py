"""Matches text against Home Assistant's own sentence templates (hassil +
home-assistant-intents), with slot lists made from the exposed entities' names and aliases
(also in their singular and plural forms), the areas and the floors.

Blocking CPU work: call `match` through a ModelWorker. hassil and the intents data are
imported when the matcher is first used.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from wyoming_common.hass import Area, Floor

from ..hass.models import ExposedEntity
from ..intents.words import name_variants

_LOGGER = logging.getLogger(__name__)
_SCRIPTS = {"hant": "zh-TW", "hans": "zh-CN"}


@dataclass(frozen=True)
class HomeNames:
    """The vocabulary of the home at one moment (its generation)."""

    generation: int
    entities: tuple[ExposedEntity, ...]
    areas: tuple[Area, ...]
    floors: tuple[Floor, ...]


@dataclass(frozen=True)
class IntentMatch:
    """A recognised intent with its slots.

    Slot values: `name` is an entity's canonical name, `area` an area id, `floor` a floor id;
    `slot_texts` keeps what was said; `area_from_context` is True when the area is the
    speaker's ("in here", or implied); `response_key` is the template's response ("one_yesno").
    """

    intent: str
    slots: dict[str, Any]
    slot_texts: dict[str, str] = field(default_factory=dict)
    response_key: str = "default"
    area_from_context: bool = False
    language: str = "en"


def template_language(code: str, available: list[str]) -> str | None:
    """The templates' language for a BCP 47 tag: exact (pt-BR), script (zh-Hant → zh-TW),
    else the bare language (en-US → en)."""
    normalized = code.replace("_", "-")
    by_lower = {lang.lower(): lang for lang in available}
    if normalized.lower() in by_lower:
        return by_lower[normalized.lower()]
    base, _sep, rest = normalized.partition("-")
    script = _SCRIPTS.get(rest.split("-")[0].lower()) if base.lower() == "zh" else None
    if script is not None:
        return script
    return by_lower.get(base.lower())


def _entity_values(entities: tuple[ExposedEntity, ...]) -> list[tuple[str, Any, dict[str, Any]]]:
    values: list[tuple[str, Any, dict[str, Any]]] = []
    for entity in entities:
        context: dict[str, Any] = {"domain": entity.domain}
        if entity.device_class:
            context["device_class"] = entity.device_class
        spoken = {variant for name in entity.names if name for variant in name_variants(name)}
        values.extend((text, entity.name, context) for text in sorted(spoken))
    return values


class IntentMatcher:
    """Recognises intents in any language home-assistant-intents ships."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._intents: dict[str, Any] = {}  # language → (hassil Intents, raw dict) or None
        self._slot_lists: dict[int, dict[str, Any]] = {}

    def language_for(self, code: str) -> str | None:
        """The template language used for a turn's language (None: no templates)."""
        try:
            from home_assistant_intents import get_languages
        except ImportError:
            return None
        return template_language(code, list(get_languages()))

    def responses(self, language: str) -> dict[str, Any]:
        """The `responses` section of the language's intents data."""
        loaded = self._load(language)
        return {} if loaded is None else dict(loaded[1].get("responses") or {})

    def _load(self, language: str) -> tuple[Any, dict[str, Any]] | None:
        with self._lock:
            if language not in self._intents:
                try:
                    from hassil import Intents
                    from home_assistant_intents import get_intents
                except ImportError:
                    _LOGGER.error(
                        "hassil/home-assistant-intents are missing: no fast path "
                        "(pip install 'wyoming-voice[llm]')"
                    )
                    self._intents[language] = None
                    return None
                data = get_intents(language)
                self._intents[language] = None if data is None else (Intents.from_dict(data), data)
                _LOGGER.debug("Sentence templates for %s: %s", language, data is not None)
            loaded: tuple[Any, dict[str, Any]] | None = self._intents[language]
            return loaded

    def warm_up(self, language: str) -> None:
        """Parse the templates once so the first real turn is fast."""
        template = self.language_for(language)
        if template is not None and self._load(template) is not None:
            self.match("turn on the light", template, HomeNames(0, (), (), ()), None)

    def _lists(self, names: HomeNames) -> dict[str, Any]:
        from hassil import TextSlotList

        with self._lock:
            cached = self._slot_lists.get(names.generation)
        if cached is not None:
            return cached
        area_values = [
            (text, area.area_id) for area in names.areas for text in (area.name, *area.aliases)
        ]
        floor_values = [
            (text, floor.floor_id)
            for floor in names.floors
            for text in (floor.name, *floor.aliases)
        ]
        lists = {
            "name": TextSlotList.from_tuples(_entity_values(names.entities), allow_template=False),
            "area": TextSlotList.from_tuples(area_values, allow_template=False),
            "floor": TextSlotList.from_tuples(floor_values, allow_template=False),
        }
        with self._lock:
            self._slot_lists = {names.generation: lists}  # only the newest is worth keeping
        return lists

    def match(
        self, text: str, language: str, names: HomeNames, area: Area | None
    ) -> IntentMatch | None:
        """The best match for text in a template language, or None. `area` is the speaker's."""
        loaded = self._load(language)
        if loaded is None or not text.strip():
            return None
        from hassil import recognize_best

        intents, _data = loaded
        context: dict[str, Any] = {}
        if area is not None:
            context["area"] = {"value": area.area_id, "text": area.name}
        result = recognize_best(
            text,
            intents,
            slot_lists=self._lists(names),
            intent_context=context,
            language=language,
            best_slot_name="name",
        )
        if result is None:
            return None
        slots: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for name, entity in result.entities.items():
            slots[name] = entity.value
            texts[name] = entity.text_clean if entity.text else str(entity.value)
        area_entity = result.entities.get("area")
        return IntentMatch(
            intent=result.intent.name,
            slots=slots,
            slot_texts=texts,
            response_key=result.response or "default",
            area_from_context=area_entity is not None and area_entity.text_span is None,
            language=language,
        )
