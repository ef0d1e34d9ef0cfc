"""The model's tools are Home Assistant's intents (the set HA's own LLM API offers).

Two views of the same tools:
- `prompt_toolbox(home)`: what the prompt shows, stable for a home (so the prompt prefix
  stays in the KV cache): slots name/area/floor as free strings, domain/device_class enums.
- `turn_toolbox(...)`: what a grammar lets the model call in this turn: only intents whose
  verb was said, `name`/`area`/`floor` limited to the names, aliases, areas and floors the
  words support, numbers to the numbers said. A call outside it cannot be generated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..engines.base import Toolbox, ToolSpec
from ..hass.models import ExposedEntity
from .catalog import INTENTS, TARGET_SLOTS, IntentSpec, Kind
from .grounding import kind_grounded, name_grounded, verb_fits
from .resolve import HomeView
from .utterance import Utterance
from .vocab import DEVICE_CLASS_WORDS, QUESTION_WORDS, STATE_WORDS, WEATHER_WORDS

_TARGET_HELP = {
    "name": {"type": "string", "description": "a device name or alias from the list"},
    "area": {"type": "string", "description": "an area (room) name"},
    "floor": {"type": "string", "description": "a floor name"},
}


def _domains(spec: IntentSpec, home: HomeView) -> list[str]:
    exposed = {e.domain for e in home.entities.values()}
    if spec.domains is None:
        return []
    return sorted(exposed & spec.domains) if spec.domains else sorted(exposed)


def _of_domain(home: HomeView, domain: str) -> list[ExposedEntity]:
    return [e for e in home.entities.values() if e.domain == domain]


def offered(spec: IntentSpec, home: HomeView) -> bool:
    """HA offers an intent to the model when it has a target domain exposed (or needs none)."""
    if not spec.tool:
        return False
    if spec.domains is None:
        return True
    return bool(_domains(spec, home))


def _target_schema(spec: IntentSpec, home: HomeView) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if spec.kind in (Kind.TARGET, Kind.QUERY) and spec.name != "HassGetWeather":
        properties.update(_TARGET_HELP)
        domains = _domains(spec, home)
        if len(domains) > 1:
            properties["domain"] = {"type": "string", "enum": domains}
        classes = sorted(
            {
                e.device_class
                for e in home.entities.values()
                if e.device_class and e.domain in domains
            }
        )
        if classes:
            properties["device_class"] = {"type": "string", "enum": classes}
    elif spec.kind is Kind.LIST:
        properties["name"] = {"type": "string", "description": "the list's name"}
    return properties


def prompt_toolbox(home: HomeView) -> Toolbox:
    """Every intent tool the home allows, as the prompt describes them: names and types only
    (the prompt is evaluated on a CPU; the grammar of each turn holds the allowed values)."""
    specs = []
    for spec in INTENTS.values():
        if not offered(spec, home):
            continue
        properties = {
            key: {"type": schema.get("type", "string")}
            for key, schema in {**_target_schema(spec, home), **spec.args}.items()
        }
        parameters = {"type": "object", "properties": properties}
        if spec.required:
            parameters["required"] = list(spec.required)
        specs.append(ToolSpec(spec.name, spec.description, parameters))
    return Toolbox(tuple(specs))


def _said_places(said: Utterance, home: HomeView) -> tuple[list[str], list[str]]:
    areas = [n for a in home.areas.values() for n in (a.name, *a.aliases) if said.has_all(n)]
    floors = [n for f in home.floors.values() for n in (f.name, *f.aliases) if said.has_all(n)]
    return areas, floors


def _names_said(said: Utterance, entities: Iterable[ExposedEntity]) -> list[str]:
    names: list[str] = []
    for entity in entities:
        if name_grounded(said, entity):
            names.extend(n for n in entity.names if n)
    return sorted(set(names))


def _number_enum(said: Utterance, schema: dict[str, Any]) -> dict[str, Any] | None:
    low, high = schema.get("minimum", float("-inf")), schema.get("maximum", float("inf"))
    values = sorted(n for n in said.numbers if low <= n <= high)
    if schema.get("type") == "integer":
        values = sorted({int(n) for n in values if float(n).is_integer()})
    return {"enum": values} if values else None


def _strict_args(spec: IntentSpec, said: Utterance) -> dict[str, Any]:
    """The intent's own arguments as the words allow them (numbers only those said)."""
    strict: dict[str, Any] = {}
    for key, schema in spec.args.items():
        if key == "color":
            if said.colors:
                strict[key] = {"enum": said.colors}
        elif key == "state":
            states = sorted({STATE_WORDS[t] for t in said.tokens if t in STATE_WORDS})
            if states:
                strict[key] = {"enum": states}
        elif schema.get("type") in ("integer", "number"):
            enum = _number_enum(said, schema)
            if enum is None and spec.kind is Kind.TIMER:
                enum = {"enum": [1, 30]} if said.has("a") or said.has("half") else None
            if enum is not None:
                strict[key] = enum
        else:  # free text (a list item, a timer's name): a run of the words said
            strict[key] = {"enum": said.spans()}
    return strict


def _kinds(said: Utterance, candidates: list[ExposedEntity]) -> dict[str, Any]:
    """`domain` and `device_class` enums for the kinds of device the words name."""
    properties: dict[str, Any] = {}
    kinds = sorted({e.domain for e in candidates if kind_grounded(said, e)})
    if kinds:
        properties["domain"] = {"enum": kinds}
    stems = set(said.stems)
    classes = sorted(
        {
            e.device_class
            for e in candidates
            if e.device_class and DEVICE_CLASS_WORDS.get(e.device_class, frozenset()) & stems
        }
    )
    if classes:
        properties["device_class"] = {"enum": classes}
    return properties


def _usable(spec: IntentSpec, said: Utterance, home: HomeView, targets: dict[str, Any]) -> bool:
    """True when the words support calling spec at all."""
    if spec.kind is Kind.QUERY:
        asked = bool(set(said.stems) & QUESTION_WORDS) or said.text.rstrip().endswith("?")
        if spec.name == "HassGetWeather":
            return asked and bool(set(said.stems) & WEATHER_WORDS)
        return asked and any(key in targets for key in TARGET_SLOTS)
    domains = _domains(spec, home) or ["*"]
    if not any(verb_fits(said, spec, domain, _of_domain(home, domain)) for domain in domains):
        return False
    missing = [k for k in spec.required if k not in targets and k != "name"]
    if missing or (spec.name == "HassLightSet" and not set(spec.args) & set(targets)):
        return False
    if spec.kind is Kind.TARGET:  # a place alone does not say which kind of device
        return any(key in targets for key in ("name", "domain", "device_class"))
    return True


def turn_toolbox(said: Utterance, home: HomeView, prompt: Toolbox) -> Toolbox:
    """The calls the words of this turn can support (see the module doc)."""
    areas, floors = _said_places(said, home)
    specs = []
    for tool in prompt.specs:
        spec = INTENTS[tool.name]
        if said.english and said.is_question and spec.changes_home:
            continue  # a question is answered, never acted on
        domains = _domains(spec, home)
        candidates = [e for e in home.entities.values() if not domains or e.domain in domains]
        properties: dict[str, Any] = {}
        names = _names_said(said, candidates)
        if names and "name" in tool.parameters["properties"]:
            properties["name"] = {"enum": names}
        if areas and "area" in tool.parameters["properties"]:
            properties["area"] = {"enum": areas}
        if floors and "floor" in tool.parameters["properties"]:
            properties["floor"] = {"enum": floors}
        if spec.kind is Kind.TARGET or spec.name == "HassGetState":
            properties.update(_kinds(said, candidates))
        properties.update(_strict_args(spec, said))
        if not _usable(spec, said, home, properties):
            continue
        strict = {
            "type": "object",
            "properties": properties,
            "required": [k for k in spec.required if k in properties],
            "additionalProperties": False,
        }
        specs.append(ToolSpec(tool.name, tool.description, tool.parameters, strict))
    return Toolbox(tuple(specs))
