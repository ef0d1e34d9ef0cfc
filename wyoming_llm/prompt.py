"""The prompt: a stable prefix (persona, rules, tools, the list of devices) followed by the
history and the new question. Live states are never in the prefix, so llama.cpp reuses its
KV cache for the prefix from turn to turn; the model reads states with the get_state tool."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .engines.base import ChatMessage
from .hass.models import Area, ExposedEntity
from .memory import Exchange
from .persona import Persona
from .tools import Toolbox

NO_HOME_NOTE = "You cannot see or control any devices right now; say so if asked to."


def system_prompt(
    persona: Persona,
    *,
    entities: Iterable[ExposedEntity] = (),
    areas: Iterable[Area] = (),
    toolbox: Toolbox | None = None,
    inline_tools: bool = True,
) -> str:
    """The stable prefix of every prompt."""
    language = (
        f"Always answer in {persona.language}."
        if persona.language
        else "Answer in the language of the question."
    )
    lines = [
        f"You are {persona.name}, a voice assistant in a smart home. You are {persona.style}.",
        "Your answers are read aloud: one or two short sentences, plain words, no markdown,"
        " no lists, no emoji. Say numbers the way people speak them.",
        language,
    ]
    if persona.instructions:
        lines.append(persona.instructions)
    if toolbox is None or not toolbox.specs:
        lines.append(NO_HOME_NOTE)
        return "\n".join(lines)
    lines.append(
        "Only use a tool when the user asks you to control or check a device."
        " Never act on a device the user did not ask about."
    )
    if inline_tools:
        example = json.dumps({"tool": "turn_on", "arguments": {"entity_id": "light.example"}})
        lines.append(
            "To use a tool, reply with only one JSON object, for example: " + example + "."
            " Otherwise reply with the spoken answer."
        )
        lines.append("Tools:")
        lines.extend(f"- {spec.signature()}: {spec.description}" for spec in toolbox.specs)
    area_names = {area.area_id: area.name for area in areas}
    lines.append("Devices (entity_id: name, other names, area):")
    for entity in sorted(entities, key=lambda e: e.entity_id):
        line = f"- {entity.entity_id}: {entity.name}"
        if entity.aliases:
            line += f" (also {', '.join(entity.aliases)})"
        if entity.area_id in area_names:
            line += f", in {area_names[entity.area_id]}"
        lines.append(line)
    lines.append("Current states are not listed here: read them with get_state.")
    return "\n".join(lines)


def build_messages(system: str, history: Sequence[Exchange], user_text: str) -> list[ChatMessage]:
    """System prefix, earlier turns, then the new question."""
    messages = [ChatMessage("system", system)]
    for exchange in history:
        messages.append(ChatMessage("user", exchange.user))
        messages.append(ChatMessage("assistant", exchange.assistant))
    messages.append(ChatMessage("user", user_text))
    return messages
