"""The tools the language model may call, with JSON schemas whose entity fields are enums of
the exposed entities, so a grammar-constrained model cannot name anything else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .actions.catalog import COLOR_NAMES, plan_action
from .hass.models import Area, ExposedEntity

ACTION_TOOLS = frozenset(
    {
        "turn_on",
        "turn_off",
        "toggle",
        "set_brightness",
        "set_color",
        "set_temperature",
        "set_position",
        "set_volume",
        "run",
    }
)
QUERY_TOOLS = frozenset({"get_state", "list_area"})


@dataclass(frozen=True)
class ToolSpec:
    """One tool: name, what it does, and its arguments' JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]

    def signature(self) -> str:
        """`name(arg, arg)` for the prompt."""
        return f"{self.name}({', '.join(self.parameters.get('properties', {}))})"


@dataclass(frozen=True)
class ToolCall:
    """A tool call from the model (arguments already parsed from JSON)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = ""


def _entity_arg(ids: list[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"entity_id": {"type": "string", "enum": ids}}
    required = ["entity_id"]
    for key, schema in (extra or {}).items():
        properties[key] = schema
        required.append(key)
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _percent(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": 100, "description": description}


def _bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with bounded numbers spelled out as enums (integers, or half steps)."""
    kind, low, high = schema.get("type"), schema.get("minimum"), schema.get("maximum")
    if kind in ("integer", "number") and low is not None and high is not None:
        if kind == "integer":
            return {"enum": list(range(int(low), int(high) + 1))}
        steps = int((high - low) * 2)
        return {"enum": [low + step / 2 for step in range(steps + 1)]}
    if isinstance(schema.get("properties"), dict):
        properties = {key: _bounded(value) for key, value in schema["properties"].items()}
        return {**schema, "properties": properties}
    return schema


@dataclass(frozen=True)
class Toolbox:
    """The tools for one snapshot of the home."""

    specs: tuple[ToolSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Tool names in order."""
        return tuple(spec.name for spec in self.specs)

    def call_schema(self) -> dict[str, Any]:
        """JSON schema of `{"tool": name, "arguments": {...}}` over every tool (for grammars).

        Numeric ranges become enums: llama.cpp's schema converter ignores minimum/maximum.
        """
        return {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "tool": {"const": spec.name},
                        "arguments": _bounded(spec.parameters),
                    },
                    "required": ["tool", "arguments"],
                    "additionalProperties": False,
                }
                for spec in self.specs
            ]
        }

    def openai_tools(self) -> list[dict[str, Any]]:
        """The same tools in the OpenAI `tools` shape."""
        return [
            {
                "type": "function",
                "function": {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": spec.parameters,
                },
            }
            for spec in self.specs
        ]


def build_toolbox(entities: Iterable[ExposedEntity], areas: Iterable[Area]) -> Toolbox:
    """Tools for these exposed entities; a tool with no possible target is left out."""
    ordered = sorted(entities, key=lambda e: e.entity_id)

    def able(kind: str, value: Any = None) -> list[str]:
        return [e.entity_id for e in ordered if plan_action(kind, e.domain, value) is not None]

    lights, climates = able("set_brightness", 50), able("set_temperature", 20)
    covers, players, runnable = able("set_position", 50), able("set_volume", 50), able("run")
    area_names = sorted({area.name for area in areas})
    specs: list[ToolSpec] = []

    def add(name: str, description: str, targets: list[str], parameters: dict[str, Any]) -> None:
        if targets:
            specs.append(ToolSpec(name, description, parameters))

    on, off, toggle = able("turn_on"), able("turn_off"), able("toggle")
    add("turn_on", "Turn a device on, open a cover, lock a lock", on, _entity_arg(on))
    add("turn_off", "Turn a device off, close a cover, unlock a lock", off, _entity_arg(off))
    add("toggle", "Switch a device to the opposite state", toggle, _entity_arg(toggle))
    add(
        "set_brightness",
        "Set a light's brightness in percent",
        lights,
        _entity_arg(lights, {"brightness": _percent("brightness in percent")}),
    )
    add(
        "set_color",
        "Set a light's color",
        lights,
        _entity_arg(lights, {"color": {"type": "string", "enum": sorted(COLOR_NAMES)}}),
    )
    add(
        "set_temperature",
        "Set a thermostat's target temperature",
        climates,
        _entity_arg(climates, {"temperature": {"type": "number", "minimum": 5, "maximum": 35}}),
    )
    add(
        "set_position",
        "Move a cover to a position in percent (100 is open)",
        covers,
        _entity_arg(covers, {"position": _percent("position in percent")}),
    )
    add(
        "set_volume",
        "Set a media player's volume in percent",
        players,
        _entity_arg(players, {"volume": _percent("volume in percent")}),
    )
    add("run", "Run a script or activate a scene", runnable, _entity_arg(runnable))
    everything = [e.entity_id for e in ordered]
    add(
        "get_state",
        "Read a device's current state or a sensor's value",
        everything,
        _entity_arg(everything),
    )
    add(
        "list_area",
        "List the devices in an area with their states",
        area_names,
        {
            "type": "object",
            "properties": {"area": {"type": "string", "enum": area_names}},
            "required": ["area"],
            "additionalProperties": False,
        },
    )
    return Toolbox(tuple(specs))
