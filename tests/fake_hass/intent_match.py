"""HA's target matching for intents (`helpers/intent.py: async_match_targets`, 2026.11).

Strict: names compare after `strip().casefold()` only (no plurals, articles or fuzziness),
against the entity id, the friendly name and the registry aliases. Filters run in HA's order
and the first one that empties the candidates is the failure reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .registry import Area, Floor

if TYPE_CHECKING:
    from .house import House, State


class Reason(enum.Enum):
    """Why matching failed (`MatchFailedReason`)."""

    NAME = "No entities matched the name"
    AREA = "No entities were in the area"
    FLOOR = "No entities were on the floor"
    DOMAIN = "No entities matched the domain"
    DEVICE_CLASS = "No entities matched the device class"
    FEATURE = "No entities supported the required features"
    STATE = "No entities were in the required state"
    ASSISTANT = "No matching entities are exposed to the assistant"
    INVALID_AREA = "The area does not exist"
    INVALID_FLOOR = "The floor does not exist"
    DUPLICATE_NAME = "Multiple entities share the name"
    MULTIPLE_TARGETS = "Multiple entities matched, but a single target is required"

    @property
    def no_entities(self) -> bool:
        """True when nothing matched (as opposed to a bad area/floor or a duplicate name)."""
        return self not in (Reason.INVALID_AREA, Reason.INVALID_FLOOR, Reason.DUPLICATE_NAME)


@dataclass
class Constraints:
    """What the targets must satisfy (`MatchTargetsConstraints`)."""

    name: str | None = None
    area_name: str | None = None
    floor_name: str | None = None
    domains: Collection[str] | None = None
    device_classes: Collection[str] | None = None
    features: int | None = None
    states: Collection[str] | None = None
    assistant: str | None = None
    allow_duplicate_names: bool = False
    single_target: bool = False

    @property
    def has_constraints(self) -> bool:
        """At least one real constraint (the assistant does not count)."""
        return bool(
            self.name
            or self.area_name
            or self.floor_name
            or self.domains
            or self.device_classes
            or self.features
            or self.states
            or self.single_target
        )

    def describe(self) -> str:
        """The constraints that were set, in HA's fixed order."""
        parts = [
            f"{label} {value!r}"
            for label, value in (
                ("name", self.name),
                ("area", self.area_name),
                ("floor", self.floor_name),
            )
            if value
        ]
        for label, values in (
            ("domains", self.domains),
            ("device classes", self.device_classes),
            ("states", self.states),
        ):
            if values:
                parts.append(f"{label} {', '.join(sorted(values))}")
        if self.features:
            parts.append(f"features {self.features}")
        return ", ".join(parts)


@dataclass
class Preferences:
    """Area/floor ids used to break ties (`MatchTargetsPreferences`)."""

    area_id: str | None = None
    floor_id: str | None = None


@dataclass
class MatchResult:
    """The outcome of matching."""

    is_match: bool
    reason: Reason | None = None
    states: list[State] = field(default_factory=list)
    no_match_name: str | None = None
    areas: list[Area] = field(default_factory=list)
    floors: list[Floor] = field(default_factory=list)


class MatchFailedError(Exception):
    """Raised by handlers when matching failed; `str()` is HA 2026.11's message."""

    def __init__(self, result: MatchResult, constraints: Constraints) -> None:
        super().__init__()
        self.result = result
        self.constraints = constraints

    def __str__(self) -> str:
        message = self.result.reason.value if self.result.reason else "No entities matched"
        described = self.constraints.describe()
        return f"{message} (given {described})" if described else message


@dataclass
class Candidate:
    """One entity under consideration."""

    state: State
    exposed: bool
    area: Area | None = None
    matched_name: str | None = None


AreaFilter = Callable[[Candidate, Collection[str]], bool]


def normalize(name: str) -> str:
    """HA's name normalisation: strip and casefold, nothing else."""
    return name.strip().casefold()


def in_areas(candidate: Candidate, area_ids: Collection[str]) -> bool:
    """The default area filter: the candidate's area is one of `area_ids`."""
    return candidate.area is not None and candidate.area.area_id in area_ids


def find_areas(house: House, name: str) -> list[Area]:
    """Areas whose id equals `name` or whose name or alias matches it."""
    wanted = normalize(name)
    return [
        area
        for area in house.areas.values()
        if area.area_id == name or wanted in (normalize(n) for n in [area.name, *area.aliases])
    ]


def find_floors(house: House, name: str) -> list[Floor]:
    """Floors whose id equals `name` or whose name or alias matches it."""
    wanted = normalize(name)
    return [
        floor
        for floor in house.floors.values()
        if floor.floor_id == name or wanted in (normalize(n) for n in [floor.name, *floor.aliases])
    ]


def entity_names(house: House, state: State) -> list[str]:
    """The friendly name and the registry aliases (2026.11's computed-name alias list)."""
    entry = house.entities.get(state.entity_id)
    return [state.name, *(entry.aliases if entry else [])]


def is_exposed(house: House, assistant: str | None, entity_id: str) -> bool:
    """Exposure to `assistant`; the fake tracks only `conversation`."""
    if not assistant:
        return True
    return assistant == "conversation" and house.is_exposed(entity_id)


def _area(house: House, entity_id: str) -> Area | None:
    area_id = house.area_of(entity_id)
    return house.areas.get(area_id) if area_id else None


def _features(state: State) -> int:
    return int(state.attributes.get("supported_features") or 0)


def match_targets(
    house: House,
    constraints: Constraints,
    preferences: Preferences | None = None,
    area_filter: AreaFilter = in_areas,
) -> MatchResult:
    """Match entities against the constraints, in HA's order of filters."""
    prefs = preferences or Preferences()
    domains = constraints.domains
    states = [s for s in house.states.values() if not domains or s.domain in domains]
    if not states:
        return MatchResult(False, Reason.DOMAIN)
    found = [Candidate(s, is_exposed(house, constraints.assistant, s.entity_id)) for s in states]
    if constraints.states:
        found = [c for c in found if c.state.state in constraints.states]
        if not found:
            return MatchResult(False, Reason.STATE)
    if not (
        constraints.name
        or constraints.features
        or constraints.device_classes
        or constraints.area_name
        or constraints.floor_name
        or constraints.single_target
    ):
        if constraints.assistant:
            found = [c for c in found if c.exposed]
            if not found:
                return MatchResult(False, Reason.ASSISTANT)
        return MatchResult(True, states=[c.state for c in found])
    return _match_detailed(house, constraints, prefs, area_filter, found)


def _match_detailed(
    house: House,
    constraints: Constraints,
    prefs: Preferences,
    area_filter: AreaFilter,
    found: list[Candidate],
) -> MatchResult:
    if constraints.name:
        wanted = normalize(constraints.name)
        for candidate in found:
            names = entity_names(house, candidate.state)
            if candidate.state.entity_id == constraints.name or wanted in map(normalize, names):
                candidate.matched_name = constraints.name
        found = [c for c in found if c.matched_name]
        if not found:
            return MatchResult(False, Reason.NAME)
    if constraints.features:
        wanted_features = constraints.features
        found = [c for c in found if _features(c.state) & wanted_features == wanted_features]
        if not found:
            return MatchResult(False, Reason.FEATURE)
    if constraints.device_classes:
        classes = constraints.device_classes
        found = [c for c in found if c.state.attributes.get("device_class") in classes]
        if not found:
            return MatchResult(False, Reason.DEVICE_CLASS)
    for candidate in found:
        candidate.area = _area(house, candidate.state.entity_id)
    floors: list[Floor] = []
    areas: list[Area] = []
    possible = set(house.areas)
    if constraints.floor_name:
        floors = find_floors(house, constraints.floor_name)
        if not floors:
            return MatchResult(False, Reason.INVALID_FLOOR, no_match_name=constraints.floor_name)
        floor_ids = {f.floor_id for f in floors}
        possible = {a.area_id for a in house.areas.values() if a.floor_id in floor_ids}
        found = [c for c in found if area_filter(c, possible)]
        if not found:
            return MatchResult(False, Reason.FLOOR, floors=floors)
    if constraints.area_name:
        areas = find_areas(house, constraints.area_name)
        if not areas:
            return MatchResult(False, Reason.INVALID_AREA, no_match_name=constraints.area_name)
        possible &= {a.area_id for a in areas}
        found = [c for c in found if area_filter(c, possible)]
        if not found:
            return MatchResult(False, Reason.AREA, areas=areas)
    if constraints.assistant:
        found = [c for c in found if c.exposed]
        if not found:
            return MatchResult(False, Reason.ASSISTANT)
    if constraints.name and not constraints.allow_duplicate_names and len(found) > 1:
        found = _deduplicate(found, prefs, area_filter)
        if len(found) > 1:
            return MatchResult(
                False,
                Reason.DUPLICATE_NAME,
                no_match_name=constraints.name,
                areas=areas,
                floors=floors,
            )
        if not found:
            return MatchResult(False, Reason.NAME, areas=areas, floors=floors)
    if constraints.single_target and len(found) > 1:
        found = _single(found, prefs, area_filter)
        if len(found) != 1:
            return MatchResult(False, Reason.MULTIPLE_TARGETS)
    return MatchResult(True, states=[c.state for c in found], areas=areas, floors=floors)


def _deduplicate(
    found: list[Candidate], prefs: Preferences, area_filter: AreaFilter
) -> list[Candidate]:
    """All candidates share the one queried name: narrow by preferred floor, then area."""
    if prefs.floor_id:
        found = [c for c in found if c.area is not None and c.area.floor_id == prefs.floor_id]
        if len(found) < 2:
            return found
    if prefs.area_id:
        found = [c for c in found if area_filter(c, {prefs.area_id})]
    return found


def _single(found: list[Candidate], prefs: Preferences, area_filter: AreaFilter) -> list[Candidate]:
    if not (prefs.area_id or prefs.floor_id):
        return found
    narrowed = found
    if prefs.area_id:
        narrowed = [c for c in found if area_filter(c, {prefs.area_id})]
    if len(narrowed) > 1 and prefs.floor_id:
        narrowed = [c for c in found if c.area and c.area.floor_id == prefs.floor_id]
    return narrowed
