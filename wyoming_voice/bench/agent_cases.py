"""The case-file format of `wyoming-voice bench agent`: one YAML file holds a home and the
sentences to try in it (issue 12 item 6; the required keys must stay exactly as they are).

```yaml
agent: {args: ["--sensitive-actions", "confirm"]}     # optional: extra agent flags
home:
  floors: [{id: ground, name: Ground Floor}]
  areas: [{id: kitchen, name: Kitchen, floor: ground}]
  devices: [{id: kitchen_satellite, name: Kitchen Satellite, area: kitchen}]   # optional
  entities:
    - {id: light.kitchen, name: Kitchen Light, area: kitchen, state: "off",
       aliases: [Counter Light], attributes: {supported_color_modes: [brightness]}}
tests:
  - category: light
    sentences: ["turn on the kitchen light", "kitchen light on please"]
    setup: {light.kitchen: {state: "off"}}
    expect_changes: {light.kitchen: {state: "on"}}
    ignore_changes: {light.kitchen: [brightness]}
    device_id: null          # optional: the speaking satellite's device (an id in home.devices)
    expect_error: false      # optional: true when the right answer is a refusal / not-found
```
Optional keys this benchmark adds (never required): top-level `agent.args`; floor/area
`aliases`; device `timers` (default true: a satellite that can run timers); entity `exposed`
(default true), `device`, `device_class`, `items`/`completed` (to-do lists); test
`expect_error: any`, `reply_contains`, `preceded_by`, `agent.args`; the pseudo-entity
`timers.<device id>` (keys `state`, `seconds`, `names`, `active`) and the value `"*"` (any
new value) in `expect_changes`. See tests/agent_cases/README.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_LOGGER = logging.getLogger(__name__)

TIMERS_DOMAIN = "timers"  # pseudo-entities `timers.<device id>`: the device's intent timers
ANY_VALUE = "*"
_TOP_KEYS = {"home", "tests", "agent"}
_HOME_KEYS = {"areas", "floors", "devices", "entities"}
_TEST_KEYS = {
    "category",
    "sentences",
    "setup",
    "expect_changes",
    "ignore_changes",
    "device_id",
    "expect_error",
    "reply_contains",
    "preceded_by",
    "agent",
}


class CaseFormatError(ValueError):
    """A case file that does not follow the format; the message names the file and place."""


@dataclass(frozen=True)
class Floor:
    """A floor."""

    id: str
    name: str
    level: int | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """An area (room)."""

    id: str
    name: str
    floor: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    """A device; by default a satellite that can run timers."""

    id: str
    name: str
    area: str | None = None
    timers: bool = True


@dataclass(frozen=True)
class Entity:
    """An entity and its first state."""

    id: str
    name: str
    state: str
    area: str | None = None
    device: str | None = None
    aliases: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=dict)
    exposed: bool = True
    items: tuple[str, ...] = ()  # to-do lists: open items
    completed: tuple[str, ...] = ()  # to-do lists: completed items

    @property
    def domain(self) -> str:
        """The entity's domain."""
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Home:
    """A whole home."""

    floors: tuple[Floor, ...]
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]
    entities: tuple[Entity, ...]


@dataclass(frozen=True)
class Case:
    """One test block: several sentences that share setup and expectations."""

    category: str
    sentences: tuple[str, ...]
    setup: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    expect_changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ignore_changes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    device_id: str | None = None
    expect_error: bool | None = False  # None: either answer is right ("any")
    reply_contains: tuple[str, ...] = ()
    preceded_by: tuple[str, ...] = ()
    agent_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseFile:
    """A parsed case file."""

    path: Path
    home: Home
    cases: tuple[Case, ...]
    agent_args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file name without extension."""
        return self.path.stem

    def sentence_count(self) -> int:
        """How many sentences the file tries."""
        return sum(len(case.sentences) for case in self.cases)


def load_case_file(path: Path) -> CaseFile:
    """Parse and check one case file; raises CaseFormatError naming what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CaseFormatError(f"{path}: {err}") from err
    return parse_case_file(raw, path)


def parse_case_file(raw: Any, path: Path) -> CaseFile:
    """Check an already-parsed YAML document."""
    where = str(path)
    top = _mapping(raw, where)
    _warn_unknown(top, _TOP_KEYS, where)
    home = _home(_mapping(top.get("home"), f"{where}: home"), f"{where}: home")
    cases = tuple(
        _case(_mapping(item, f"{where}: tests[{i}]"), f"{where}: tests[{i}]", home)
        for i, item in enumerate(_list(top.get("tests"), f"{where}: tests"))
    )
    if not cases:
        raise CaseFormatError(f"{where}: no tests")
    return CaseFile(path, home, cases, _agent_args(top.get("agent"), f"{where}: agent"))


def state_text(value: Any) -> str:
    """A state as HA writes it: YAML's unquoted on/off (booleans) become "on"/"off"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unknown"
    return str(value)


# Helpers ----------------------------------------------------------------------------


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CaseFormatError(f"{where}: expected a mapping, got {type(value).__name__}")
    return {str(key): item for key, item in value.items()}


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseFormatError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if value is None or isinstance(value, dict | list):
        raise CaseFormatError(f"{where}: expected text")
    return str(value)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(_text(item, where)) for item in _list(value, where))


def _warn_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in sorted(set(data) - known):
        _LOGGER.warning("%s: unknown key %r ignored", where, key)


def _agent_args(value: Any, where: str) -> tuple[str, ...]:
    data = _mapping(value, where)
    return _texts(data.get("args"), f"{where}.args")


def _home(data: dict[str, Any], where: str) -> Home:
    _warn_unknown(data, _HOME_KEYS, where)
    home = Home(
        _items(data, "floors", where, _floor),
        _items(data, "areas", where, _area),
        _items(data, "devices", where, _device),
        _items(data, "entities", where, _entity),
    )
    _check_references(home, where)
    return home


def _items(data: dict[str, Any], key: str, where: str, build: Any) -> tuple[Any, ...]:
    """Parse the list `data[key]` with `build(mapping, place)`."""
    return tuple(
        build(_mapping(raw, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, raw in enumerate(_list(data.get(key), f"{where}.{key}"))
    )


def _floor(item: dict[str, Any], where: str) -> Floor:
    aliases = _texts(item.get("aliases"), f"{where}.aliases")
    return Floor(_need(item, "id", where), _need(item, "name", where), item.get("level"), aliases)


def _area(item: dict[str, Any], where: str) -> Area:
    floor = _text(item.get("floor"), f"{where}.floor", optional=True)
    aliases = _texts(item.get("aliases"), f"{where}.aliases")
    return Area(_need(item, "id", where), _need(item, "name", where), floor, aliases)


def _device(item: dict[str, Any], where: str) -> Device:
    area = _text(item.get("area"), f"{where}.area", optional=True)
    timers = bool(item.get("timers", True))
    return Device(_need(item, "id", where), _need(item, "name", where), area, timers)


def _need(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(data.get(key), f"{where}.{key}", optional=True)
    if not value:
        raise CaseFormatError(f"{where}: '{key}' is required")
    return value


def _entity(data: dict[str, Any], where: str) -> Entity:
    entity_id = _need(data, "id", where)
    if "." not in entity_id:
        raise CaseFormatError(f"{where}: entity id {entity_id!r} is not domain.object_id")
    attributes = _mapping(data.get("attributes"), f"{where}.attributes")
    if "device_class" in data:
        attributes.setdefault("device_class", data["device_class"])
    if "state" not in data:
        raise CaseFormatError(f"{where}: 'state' is required")
    return Entity(
        id=entity_id,
        name=_need(data, "name", where),
        state=state_text(data["state"]),
        area=_text(data.get("area"), f"{where}.area", optional=True),
        device=_text(data.get("device"), f"{where}.device", optional=True),
        aliases=_texts(data.get("aliases"), f"{where}.aliases"),
        attributes=attributes,
        exposed=bool(data.get("exposed", True)),
        items=_texts(data.get("items"), f"{where}.items"),
        completed=_texts(data.get("completed"), f"{where}.completed"),
    )


def _check_references(home: Home, where: str) -> None:
    floors = {f.id for f in home.floors}
    areas = {a.id for a in home.areas}
    devices = {d.id for d in home.devices}
    for area in home.areas:
        if area.floor is not None and area.floor not in floors:
            raise CaseFormatError(f"{where}: area {area.id} is on unknown floor {area.floor}")
    for device in home.devices:
        if device.area is not None and device.area not in areas:
            raise CaseFormatError(f"{where}: device {device.id} is in unknown area {device.area}")
    seen: set[str] = set()
    for entity in home.entities:
        if entity.id in seen:
            raise CaseFormatError(f"{where}: entity {entity.id} is defined twice")
        seen.add(entity.id)
        if entity.area is not None and entity.area not in areas:
            raise CaseFormatError(f"{where}: entity {entity.id} is in unknown area {entity.area}")
        if entity.device is not None and entity.device not in devices:
            raise CaseFormatError(f"{where}: entity {entity.id} has unknown device {entity.device}")


def _case(data: dict[str, Any], where: str, home: Home) -> Case:
    _warn_unknown(data, _TEST_KEYS, where)
    sentences = _texts(data.get("sentences"), f"{where}.sentences")
    if not sentences:
        raise CaseFormatError(f"{where}: 'sentences' must list at least one sentence")
    known = {e.id for e in home.entities} | {f"{TIMERS_DOMAIN}.{d.id}" for d in home.devices}
    changes = {
        key: _mapping(value, f"{where}.{section}.{key}")
        for section in ("setup", "expect_changes")
        for key, value in _mapping(data.get(section), f"{where}.{section}").items()
    }
    for entity_id in changes:
        if entity_id not in known:
            raise CaseFormatError(f"{where}: unknown entity {entity_id}")
    device_id = _text(data.get("device_id"), f"{where}.device_id", optional=True)
    if device_id is not None and device_id not in {d.id for d in home.devices}:
        raise CaseFormatError(f"{where}: device_id {device_id} is not in home.devices")
    expect_error = data.get("expect_error", False)
    if expect_error not in (True, False, "any"):
        raise CaseFormatError(f"{where}: expect_error must be true, false or any")
    ignore = {
        key: _texts(value, f"{where}.ignore_changes.{key}")
        for key, value in _mapping(data.get("ignore_changes"), f"{where}.ignore_changes").items()
    }
    return Case(
        category=str(_text(data.get("category", "uncategorised"), f"{where}.category")),
        sentences=sentences,
        setup=_mapping_of_mappings(data.get("setup"), f"{where}.setup"),
        expect_changes=_mapping_of_mappings(data.get("expect_changes"), f"{where}.expect_changes"),
        ignore_changes=ignore,
        device_id=device_id,
        expect_error=None if expect_error == "any" else bool(expect_error),
        reply_contains=_texts(data.get("reply_contains"), f"{where}.reply_contains"),
        preceded_by=_texts(data.get("preceded_by"), f"{where}.preceded_by"),
        agent_args=_agent_args(data.get("agent"), f"{where}.agent"),
    )


def _mapping_of_mappings(value: Any, where: str) -> dict[str, dict[str, Any]]:
    return {key: _mapping(item, f"{where}.{key}") for key, item in _mapping(value, where).items()}
