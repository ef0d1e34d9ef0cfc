"""The grounding guard: no action the words do not support.

Before a model's intent call runs, every target must be backed by the utterance (one of its
names or aliases, or its kind of device together with its area, floor, "all", or being the
only one), the verb must fit the intent for that kind of device ("pause" never turns
anything off), and numbers, colours, list items and timer names must come from the words.
Anything else becomes a short question instead of an action: "I'm not sure" beats a wrong one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..hass.models import ExposedEntity
from .catalog import IntentSpec, Kind
from .resolve import HomeView, area_of
from .slots import duration_said
from .utterance import GENERIC, Utterance
from .vocab import DEVICE_CLASS_WORDS, DOMAIN_WORDS, verbs_for
from .words import content_stems

COVER_CLASSES = (
    "awning", "blind", "curtain", "damper", "door", "garage", "gate", "shade", "shutter", "window",
)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """The guard's decision on one call: the targets it may act on, or what to say instead."""

    entities: tuple[ExposedEntity, ...] = ()
    problem: str | None = None  # "verb", "target", "value"
    speech: str = ""

    @property
    def ok(self) -> bool:
        """True when the call may run."""
        return self.problem is None


def kind_words(entity: ExposedEntity) -> frozenset[str]:
    """Words that name the entity's kind: its domain's, and its device class's ("garage"
    names a garage door, not every cover); a cover without a class answers to any cover word."""
    kinds = DOMAIN_WORDS.get(entity.domain, frozenset())
    if entity.device_class:
        return kinds | DEVICE_CLASS_WORDS.get(entity.device_class, frozenset())
    if entity.domain in ("cover", "valve"):
        classes = COVER_CLASSES if entity.domain == "cover" else ("water", "gas")
        return kinds.union(*(DEVICE_CLASS_WORDS[c] for c in classes))
    return kinds


def kind_grounded(said: Utterance, entity: ExposedEntity) -> bool:
    """True when a word for the entity's kind of device was said ("lights", "blinds")."""
    return bool(kind_words(entity) & set(said.stems))


def name_grounded(said: Utterance, entity: ExposedEntity) -> bool:
    """True when one of the entity's names was said (its distinctive words, and no word for
    another kind of device: "kitchen fan" does not name "Kitchen Light")."""
    for name in entity.names:
        if said.has(name):
            return True
        name_stems = set(content_stems(name))
        distinctive = name_stems - GENERIC
        if not distinctive or not distinctive <= set(said.stems):
            continue
        other_kinds = said.kind_words - name_stems
        if not other_kinds or kind_grounded(said, entity):
            return True
    return False


def place_grounded(
    said: Utterance, home: HomeView, entity: ExposedEntity, speaker_area: str | None
) -> bool:
    """True when the entity's area or floor was said, or it is in the speaker's area and no
    other place was named."""
    area = area_of(home, entity)
    if area is not None:
        if any(said.has_all(n) for n in (area.name, *area.aliases)):
            return True
        floor = home.floors.get(area.floor_id or "")
        if floor is not None and any(said.has_all(n) for n in (floor.name, *floor.aliases)):
            return True
    if speaker_area and entity.area_id == speaker_area:
        return not _names_a_place(said, home)
    return False


def _names_a_place(said: Utterance, home: HomeView) -> bool:
    places = [n for a in home.areas.values() for n in (a.name, *a.aliases)]
    places += [n for f in home.floors.values() for n in (f.name, *f.aliases)]
    return any(said.has_all(place) for place in places)


def target_grounded(
    said: Utterance,
    home: HomeView,
    entity: ExposedEntity,
    *,
    speaker_area: str | None,
    kind_count: int,
    previous: Collection[str] = (),
    spec: IntentSpec | None = None,
) -> bool:
    """The target rule of the guard (see the module doc). An intent for one kind of device
    (pause, next track, start the vacuum) names the kind with its verb; one that only acts on
    devices in a state (what is playing) needs no place."""
    if name_grounded(said, entity):
        return True
    if said.refers_back and entity.entity_id in previous:
        return True
    by_verb = (
        spec is not None
        and spec.domains is not None
        and len(spec.domains) == 1
        and spec.name not in ("HassGetState", "HassLightSet")
        and verb_fits(said, spec, entity.domain, (entity,))
    )
    if not (kind_grounded(said, entity) or by_verb):
        return False
    if place_grounded(said, home, entity, speaker_area):
        return True
    return said.says_all or kind_count == 1 or (spec is not None and spec.states is not None)


def verb_fits(
    said: Utterance, spec: IntentSpec, domain: str, named: Iterable[ExposedEntity] = ()
) -> bool:
    """True when a word for doing this intent to this kind of device was said, outside the
    names of `named` (the targets): "vacuum" in "tell the Robot Vacuum to go home" names the
    device and asks for nothing."""
    if not said.english:
        return True  # no verb vocabulary for this language: names and places still apply
    verbs = verbs_for(spec.name, domain)
    if verbs is None:
        return spec.kind is Kind.QUERY
    evidence = said.stems_outside(n for entity in named for n in entity.names)
    return bool(verbs & evidence) or any(" " in v and said.has(v) for v in verbs)


def value_problem(said: Utterance, spec: IntentSpec, slots: Mapping[str, Any]) -> str | None:
    """The argument whose value the words do not give, if any."""
    for key in spec.spoken_values:
        value = slots.get(key)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            return key
        if spec.kind is Kind.TIMER:
            if not duration_said(said, key, float(value)):
                return key
        elif float(value) not in said.numbers:
            return key
    color = slots.get("color")
    if (
        isinstance(color, str)
        and color.strip()
        and color.replace(" ", "").lower() not in said.colors
    ):
        return "color"
    item = slots.get("item")
    if isinstance(item, str) and item.strip() and not said.has_all(item):
        return "item"
    timer_name = slots.get("name") if spec.kind is Kind.TIMER else None
    if isinstance(timer_name, str) and timer_name.strip() and not said.has_all(timer_name):
        return "name"
    return None


_QUESTIONS = {
    "brightness": "What brightness would you like?",
    "position": "How far should I open it?",
    "temperature": "What temperature would you like?",
    "volume_level": "What volume would you like?",
    "percentage": "What speed would you like?",
    "color": "Which color would you like?",
    "item": "What should I add?",
}


def check(
    said: Utterance,
    home: HomeView,
    spec: IntentSpec,
    slots: Mapping[str, Any],
    entities: tuple[ExposedEntity, ...],
    *,
    speaker_area: str | None = None,
    previous: Collection[str] = (),
) -> Verdict:
    """The guard's verdict on a model's call after its targets were resolved."""
    if said.english and said.is_question and spec.changes_home:
        return Verdict(problem="verb", speech="Sorry, I'm not sure what you want me to do.")
    problem = value_problem(said, spec, slots)
    if problem is None and spec.changes_home and not spec.spoken_values:
        # "open the skylight halfway" as a plain open: the amount said would be lost
        amount = set(said.stems) & AMOUNT_WORDS or any(w.endswith("%") for w in said.stems)
        problem = "amount" if amount else None
    if problem is not None:
        question = _QUESTIONS.get(problem, "Could you say that again with the exact value?")
        return Verdict(problem="value", speech=question)
    if not entities:
        return Verdict(entities)
    kinds: dict[str, int] = {}  # per domain: entities the kind words said fit (or all)
    for entity in home.entities.values():
        if kind_grounded(said, entity) or not said.kind_words:
            kinds[entity.domain] = kinds.get(entity.domain, 0) + 1
    grounded = tuple(
        e
        for e in entities
        if target_grounded(
            said,
            home,
            e,
            speaker_area=speaker_area,
            kind_count=kinds.get(e.domain, 0),
            previous=previous,
            spec=spec,
        )
    )
    if not grounded:
        return Verdict(problem="target", speech="Sorry, I'm not sure which device you mean.")
    fitting = tuple(e for e in grounded if verb_fits(said, spec, e.domain, (e,)))
    if not fitting:
        return Verdict(problem="verb", speech="Sorry, I'm not sure what you want me to do.")
    return Verdict(narrowed(said, fitting))


AMOUNT_WORDS = frozenset({"half", "halfway", "percent", "quarter"})
"""Words that say how far or how much: a call with no value for them would do too much."""

BROAD_KIND_WORDS = frozenset({"light", "lighting", "switch", "device", "thing"})
"""Kind words that name every device of a domain ("the lights in the kitchen"); the others
("chandelier", "lamp", "blind") pick out the devices whose names say them."""


def narrowed(said: Utterance, entities: tuple[ExposedEntity, ...]) -> tuple[ExposedEntity, ...]:
    """Of several targets, those whose names hold a specific kind word the speaker said: "the
    chandelier in the great room" is Antler Chandelier, not every light there."""
    specific = set(said.kind_words) - BROAD_KIND_WORDS
    if len(entities) < 2 or said.says_all or not specific:
        return entities
    having = tuple(e for e in entities if any(specific & set(content_stems(n)) for n in e.names))
    return having if having else entities
