"""The prompt: a stable prefix (persona, rules, and the devices, areas and floors of the home
without their states) followed by the history and the new question. Live states are never in
the prefix, so llama.cpp reuses its KV cache for it from turn to turn; the model reads states
through HassGetState, whose answer comes from Home Assistant."""

from __future__ import annotations

from collections.abc import Sequence

from .engines.base import ChatMessage
from .intents.resolve import HomeView
from .memory import Exchange
from .persona import Persona

NO_HOME_NOTE = (
    "You cannot see or control any devices. If asked to, say that you are not connected to"
    " Home Assistant."
)
HOME_RULES = (
    "Control the home only through the tools, and only when the user asks for it; never act"
    " on a device the user did not mention. If it is unclear which device or value is meant,"
    " ask a short question instead. Never state a device's state, a temperature or the"
    " weather from memory: call a tool. For several actions, call several tools."
)


def system_prompt(persona: Persona, home: HomeView | None) -> str:
    """The stable prefix of every prompt."""
    language = (
        f"Always answer in {persona.language}."
        if persona.language
        else "Answer in the language of the question."
    )
    lines = [
        f"You are {persona.name}, a voice assistant in a smart home. You are {persona.style}.",
        "Your answers are read aloud: one or two short sentences, plain words, no markdown,"
        " no lists, no emoji.",
        language,
    ]
    if persona.instructions:
        lines.append(persona.instructions)
    if home is None or not home.entities:
        lines.append(NO_HOME_NOTE)
        return "\n".join(lines)
    lines.append(HOME_RULES)
    lines.extend(static_context(home))
    return "\n".join(lines)


def static_context(home: HomeView) -> list[str]:
    """Devices (name, aliases, kind, area) and areas with their floors, sorted by name."""
    floors = {floor.floor_id: floor.name for floor in home.floors.values()}
    lines = ["Areas:"]
    for area in sorted(home.areas.values(), key=lambda a: a.name):
        also = f" (also {', '.join(area.aliases)})" if area.aliases else ""
        floor = f", {floors[area.floor_id]}" if area.floor_id in floors else ""
        lines.append(f"- {area.name}{also}{floor}")
    lines.append("Devices (name, kind, area):")
    for entity in sorted(home.entities.values(), key=lambda e: e.name.casefold()):
        names = ", ".join(n for n in entity.names if n)
        kind = (
            entity.domain if not entity.device_class else f"{entity.domain} {entity.device_class}"
        )
        place = home.areas.get(entity.area_id or "")
        lines.append(f"- {names}: {kind}" + (f", {place.name}" if place else ""))
    return lines


def build_messages(system: str, history: Sequence[Exchange], user_text: str) -> list[ChatMessage]:
    """System prefix, earlier turns, then the new question."""
    messages = [ChatMessage("system", system)]
    for exchange in history:
        messages.append(ChatMessage("user", exchange.user))
        messages.append(ChatMessage("assistant", exchange.assistant))
    messages.append(ChatMessage("user", user_text))
    return messages
