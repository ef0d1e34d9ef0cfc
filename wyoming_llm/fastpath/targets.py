"""Which exposed entities an intent's slots (name, area, floor, domain, device class) mean."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..hass.home import Home
from ..hass.models import ExposedEntity
from .matcher import IntentMatch

# English fallbacks for HA's error response keys.
ERROR_SENTENCES = {
    "no_entity": "Sorry, I am not aware of any device called {entity}",
    "no_entity_in_area": "Sorry, I am not aware of any device called {entity} in the {area} area",
    "no_domain": "Sorry, I am not aware of any {domain}",
    "no_domain_in_area": "Sorry, I am not aware of any {domain} in the {area} area",
    "no_device_class": "Sorry, I am not aware of any {device_class}",
    "no_device_class_in_area": "Sorry, I am not aware of any {device_class} in the {area} area",
    "no_floor": "Sorry, I am not aware of any floor called {floor}",
    "no_domain_in_floor": "Sorry, I am not aware of any {domain} on the {floor} floor",
}


@dataclass(frozen=True)
class Targets:
    """The resolved entities, or the error key (HA's names) and its variables."""

    entities: tuple[ExposedEntity, ...] = ()
    error: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return {str(item) for item in value}


def resolve_targets(
    home: Home, match: IntentMatch, domains: Collection[str] | None = None
) -> Targets:
    """Entities the match refers to, narrowed to `domains` when the intent needs some."""
    slots, texts = match.slots, match.slot_texts
    area_id, floor_id = slots.get("area"), slots.get("floor")
    area = home.areas.get(str(area_id)) if area_id else None
    floor = home.floors.get(str(floor_id)) if floor_id else None
    wanted_domains = _as_set(slots.get("domain")) or set(domains or ())
    if domains:
        wanted_domains &= set(domains)
    variables = {
        "entity": texts.get("name", str(slots.get("name", ""))),
        "area": area.name if area else "",
        "floor": floor.name if floor else "",
        "domain": (sorted(wanted_domains)[0] if wanted_domains else "device").replace("_", " "),
        "device_class": texts.get("device_class", str(slots.get("device_class", ""))),
    }
    candidates = list(home.entities.values())
    if wanted_domains:
        candidates = [e for e in candidates if e.domain in wanted_domains]
    if slots.get("device_class"):
        candidates = [e for e in candidates if e.device_class == slots["device_class"]]

    name = slots.get("name")
    if name:
        wanted = str(name).casefold()
        said = variables["entity"].casefold()
        named = [e for e in candidates if any(n.casefold() in (wanted, said) for n in e.names)]
        if area is not None:
            named = [e for e in named if e.area_id == area.area_id]
            if not named:
                return Targets(error="no_entity_in_area", variables=variables)
        if not named:
            return Targets(error="no_entity", variables=variables)
        return Targets(tuple(named))

    kind = "device_class" if slots.get("device_class") else "domain"
    if area is not None:
        found = [e for e in candidates if e.area_id == area.area_id]
        if not found:
            return Targets(error=f"no_{kind}_in_area", variables=variables)
        return Targets(tuple(found))
    if floor is not None:
        floor_areas = {a.area_id for a in home.areas.values() if a.floor_id == floor.floor_id}
        found = [e for e in candidates if e.area_id in floor_areas]
        if not found:
            return Targets(error="no_domain_in_floor", variables=variables)
        return Targets(tuple(found))
    if not candidates or (not wanted_domains and not slots.get("device_class")):
        return Targets(error=f"no_{kind}", variables=variables)
    return Targets(tuple(candidates))
