"""Which exposed entities an intent's slots mean, decided the way Home Assistant matches
targets (name or alias, area, floor, domain, device class, features, states), but tolerant of
articles and plural/singular, so our policy can judge exactly what HA will act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wyoming_common.hass import Area, EntityState, Floor

from ..hass.models import ExposedEntity
from .catalog import IntentSpec
from .words import name_key, plural


class HomeView(Protocol):
    """What resolution reads: the exposed entities, areas, floors and live states."""

    entities: dict[str, ExposedEntity]
    areas: dict[str, Area]
    floors: dict[str, Floor]

    def state(self, entity_id: str) -> EntityState | None:
        """Last known state of an exposed entity."""


@dataclass(frozen=True)
class Targets:
    """The entities meant, or why there are none (HA's error keys) with the words for it."""

    entities: tuple[ExposedEntity, ...] = ()
    error: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    area: Area | None = None
    floor: Floor | None = None

    @property
    def ok(self) -> bool:
        """True when there is something to act on."""
        return self.error is None and bool(self.entities)


def as_list(value: Any) -> list[str]:
    """A slot that may be a string or a list of strings, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(item) for item in value if item]
    return [str(value)]


def find_area(home: HomeView, text: Any) -> Area | None:
    """The area called `text` (id, name or alias; articles and plurals ignored)."""
    if not isinstance(text, str) or not text.strip():
        return None
    if text in home.areas:
        return home.areas[text]
    key = name_key(text)
    for area in home.areas.values():
        if key in {name_key(n) for n in (area.name, *area.aliases)}:
            return area
    return None


def find_floor(home: HomeView, text: Any) -> Floor | None:
    """The floor called `text` (id, name or alias)."""
    if not isinstance(text, str) or not text.strip():
        return None
    if text in home.floors:
        return home.floors[text]
    key = name_key(text)
    bare = name_key(key.replace(" floor", "")) if key.endswith(" floor") else key
    for floor in home.floors.values():
        keys = {name_key(n) for n in (floor.name, *floor.aliases)}
        keys |= {k.removesuffix(" floor") for k in keys}
        if key in keys or bare in keys:
            return floor
    return None


def entities_named(entities: Iterable[ExposedEntity], text: str) -> list[ExposedEntity]:
    """Entities whose name, alias or entity id is `text` (tolerant comparison)."""
    key = name_key(text)
    return [
        e for e in entities if text == e.entity_id or key in {name_key(n) for n in e.names if n}
    ]


def area_of(home: HomeView, entity: ExposedEntity) -> Area | None:
    """The entity's area, if it has one."""
    return home.areas.get(entity.area_id or "")


_COLOR_MODES = frozenset({"hs", "rgb", "rgbw", "rgbww", "xy"})


def _light_can(state: EntityState | None, slots: Mapping[str, Any]) -> bool:
    """A light supports the colour, colour temperature or brightness asked for."""
    if state is None or "supported_color_modes" not in state.attributes:
        return True  # HA always reports modes; a bare test state is taken as capable
    modes = {str(m) for m in state.attributes.get("supported_color_modes") or ()}
    if slots.get("color") and not modes & _COLOR_MODES:
        return False
    if slots.get("temperature") is not None and "color_temp" not in modes:
        return False
    return not (slots.get("brightness") is not None and modes <= {"onoff"})


def supports(
    home: HomeView, spec: IntentSpec, entity: ExposedEntity, slots: Mapping[str, Any] | None = None
) -> bool:
    """True when the entity has the features the intent (with these arguments) needs."""
    state = home.state(entity.entity_id)
    if spec.name == "HassLightSet" and not _light_can(state, slots or {}):
        return False
    bits = spec.feature_bits(entity.domain)
    if not bits:
        return True
    features = int((state.attributes.get("supported_features") if state else 0) or 0)
    return features & bits == bits


def _variables(home: HomeView, slots: Mapping[str, Any], domains: list[str]) -> dict[str, str]:
    """The words for an answer about what was not found (names, not ids)."""
    area = find_area(home, slots.get("area"))
    floor = find_floor(home, slots.get("floor"))
    classes = as_list(slots.get("device_class"))
    return {
        "entity": str(slots.get("name") or ""),
        "area": area.name if area else str(slots.get("area") or ""),
        "floor": floor.name if floor else str(slots.get("floor") or ""),
        "domain": plural((domains[0] if len(domains) == 1 else "device").replace("_", " ")),
        "device_class": " or ".join(plural(c.replace("_", " ")) for c in classes),
    }


def _candidates(
    home: HomeView, spec: IntentSpec, slots: Mapping[str, Any]
) -> tuple[list[str], list[ExposedEntity]]:
    """The domains meant, and the exposed entities of those domains and device classes."""
    domains = as_list(slots.get("domain"))
    if spec.domains:
        domains = [d for d in domains if d in spec.domains] if domains else sorted(spec.domains)
    candidates = [e for e in home.entities.values() if not domains or e.domain in domains]
    classes = set(as_list(slots.get("device_class")))
    if classes:
        candidates = [e for e in candidates if e.device_class in classes]
    return domains, candidates


def _in_place(
    home: HomeView, candidates: list[ExposedEntity], floor: Floor | None, area: Area | None
) -> list[ExposedEntity]:
    if floor is not None:
        on_floor = {a.area_id for a in home.areas.values() if a.floor_id == floor.floor_id}
        candidates = [e for e in candidates if e.area_id in on_floor]
    if area is not None:
        candidates = [e for e in candidates if e.area_id == area.area_id]
    return candidates


def _missing(name: Any, classes: bool, floor: Floor | None, area: Area | None) -> str:
    """HA's error key for an empty result."""
    if area is not None:
        if name:
            return "no_entity_in_area"
        return "no_device_class_in_area" if classes else "no_domain_in_area"
    if floor is not None:
        return "no_domain_in_floor"
    return "no_device_class" if classes else "no_domain"


def resolve(
    home: HomeView,
    spec: IntentSpec,
    slots: Mapping[str, Any],
    *,
    preferred_area: str | None = None,
    everywhere: bool = False,
) -> Targets:
    """The entities `spec` with these slots targets.

    Without a name, area or floor the speaker's area (`preferred_area`) is used when it has
    matching entities; the whole home only when there is one candidate, `everywhere` (the
    words said "all"), or the intent only acts on entities in a state (media that is playing).
    A name several entities share is narrowed to the speaker's area, else it is ambiguous.
    """
    domains, candidates = _candidates(home, spec, slots)
    variables = _variables(home, slots, domains)
    floor = find_floor(home, slots.get("floor"))
    if slots.get("floor") and floor is None:
        return Targets(error="no_floor", variables=variables)
    area = find_area(home, slots.get("area"))
    if slots.get("area") and area is None:
        return Targets(error="no_area", variables=variables)
    name = slots.get("name")
    if not isinstance(name, str) or name_key(name) in ("all", ""):
        name = None
    elif not (candidates := entities_named(candidates, name)):
        return Targets(error="no_entity", variables=variables)
    candidates = _in_place(home, candidates, floor, area)
    if not candidates:
        key = _missing(name, bool(slots.get("device_class")), floor, area)
        return Targets(error=key, variables=variables, area=area, floor=floor)
    if name is None and area is None and floor is None:
        candidates, error = _place(home, spec, candidates, preferred_area, everywhere)
        if error:
            return Targets(error=error, variables=variables)
    elif name is not None and len(candidates) > 1 and not everywhere:
        here = [e for e in candidates if preferred_area and e.area_id == preferred_area]
        candidates = here or candidates
        if len(candidates) > 1:
            return Targets(error="duplicate_name", variables=variables)
    return _usable(home, spec, candidates, variables, slots, area=area, floor=floor)


def _place(
    home: HomeView,
    spec: IntentSpec,
    candidates: list[ExposedEntity],
    preferred_area: str | None,
    everywhere: bool,
) -> tuple[list[ExposedEntity], str | None]:
    """Narrow a nameless, placeless target to the speaker's area, or say it is ambiguous."""
    if everywhere:
        return candidates, None
    if preferred_area:
        here = [e for e in candidates if e.area_id == preferred_area]
        if here:
            return here, None
    if spec.name == "HassMediaUnpause":
        paused = [e for e in candidates if (s := home.state(e.entity_id)) and s.state == "paused"]
        candidates = paused or candidates
    if len(candidates) == 1 or spec.states is not None:
        return candidates, None
    return [], "ambiguous"


def _usable(
    home: HomeView,
    spec: IntentSpec,
    candidates: list[ExposedEntity],
    variables: dict[str, str],
    slots: Mapping[str, Any],
    *,
    area: Area | None,
    floor: Floor | None,
) -> Targets:
    able = [e for e in candidates if supports(home, spec, e, slots)]
    if not able:
        return Targets(error="feature_not_supported", variables=variables)
    if spec.states is not None:
        wanted = spec.states
        able = [e for e in able if (s := home.state(e.entity_id)) and s.state in wanted]
        if not able:
            variables = {**variables, "state": "/".join(sorted(wanted))}
            return Targets(error="entity_wrong_state", variables=variables)
    return Targets(tuple(able), variables=variables, area=area, floor=floor)
