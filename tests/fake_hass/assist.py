"""Minimal intent handling and text conversation, shaped like HA's `IntentResponse`."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import HouseError
from .house import House
from .intent import IntentCall, IntentError, IntentResponse
from .intent import handle_intent as handle_registered_intent
from .intent_match import MatchFailedError
from .registry import new_ulid
from .wyoming_conversation import ask_wyoming_agent

if TYPE_CHECKING:
    from .server import FakeHomeAssistant

_LOGGER = logging.getLogger(__name__)

NOT_UNDERSTOOD = "Sorry, I couldn't understand that"

# Intent → service per domain; domains missing from a map cannot take that intent.
_INTENT_SERVICES: dict[str, dict[str, str]] = {
    "HassTurnOn": {
        "light": "turn_on",
        "switch": "turn_on",
        "fan": "turn_on",
        "media_player": "turn_on",
        "climate": "turn_on",
        "script": "turn_on",
        "scene": "turn_on",
        "cover": "open_cover",
        "lock": "lock",
    },
    "HassTurnOff": {
        "light": "turn_off",
        "switch": "turn_off",
        "fan": "turn_off",
        "media_player": "turn_off",
        "climate": "turn_off",
        "cover": "close_cover",
        "lock": "unlock",
    },
    "HassToggle": {
        "light": "toggle",
        "switch": "toggle",
        "fan": "toggle",
        "cover": "toggle",
        "script": "toggle",
    },
}
_SPEECH = {"HassTurnOn": "Turned on {}", "HassTurnOff": "Turned off {}", "HassToggle": "Toggled {}"}

_SENTENCES = [
    (re.compile(r"^turn on (?:the )?(?P<name>.+)$"), "HassTurnOn"),
    (re.compile(r"^turn (?:the )?(?P<name>.+) on$"), "HassTurnOn"),
    (re.compile(r"^turn off (?:the )?(?P<name>.+)$"), "HassTurnOff"),
    (re.compile(r"^turn (?:the )?(?P<name>.+) off$"), "HassTurnOff"),
    (re.compile(r"^toggle (?:the )?(?P<name>.+)$"), "HassToggle"),
]


def intent_response(
    speech: str, response_type: str, data: Mapping[str, Any], language: str = "en"
) -> dict[str, Any]:
    """Return HA's `IntentResponse.as_dict()` shape."""
    return {
        "speech": {"plain": {"speech": speech, "extra_data": None}},
        "card": {},
        "language": language,
        "response_type": response_type,
        "data": dict(data),
    }


def _normalize(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.casefold()).split())


def find_entities(house: House, name: str, *, exposed_only: bool) -> list[str]:
    """Match a spoken name against friendly names and aliases, or "<area> light(s)"."""
    wanted = _normalize(name)
    candidates = [e for e in house.states if not exposed_only or house.is_exposed(e)]
    matches = []
    for entity_id in candidates:
        entry = house.entities.get(entity_id)
        names = [house.states[entity_id].name, *(entry.aliases if entry else [])]
        if wanted in (_normalize(n) for n in names):
            matches.append(entity_id)
    if matches:
        return matches
    area_match = re.fullmatch(r"(?P<area>.+?) lights?", wanted)
    if area_match is None:
        return []
    for area in house.areas.values():
        if area_match["area"] in (_normalize(n) for n in [area.name, *area.aliases]):
            return [
                e for e in candidates if e.startswith("light.") and house.area_of(e) == area.area_id
            ]
    return []


def handle_intent(
    house: House,
    intent_type: str,
    slots: Mapping[str, Any],
    *,
    language: str = "en",
    exposed_only: bool = False,
) -> dict[str, Any]:
    """Run HassTurnOn/HassTurnOff/HassToggle on the entity named by the `name` slot."""
    services = _INTENT_SERVICES.get(intent_type)
    if services is None:
        return intent_response(
            "Sorry, I couldn't handle that", "error", {"code": "no_intent_match"}, language
        )
    name = str(slots.get("name") or "")
    entity_ids = [
        e
        for e in find_entities(house, name, exposed_only=exposed_only)
        if e.split(".", 1)[0] in services
    ]
    if not entity_ids:
        return intent_response(
            f"No device or entity named {name}", "error", {"code": "no_valid_targets"}, language
        )
    success = []
    for entity_id in entity_ids:
        domain = entity_id.split(".", 1)[0]
        try:
            house.call_service(domain, services[domain], target={"entity_id": entity_id})
        except HouseError as err:
            return intent_response(err.message, "error", {"code": "failed_to_handle"}, language)
        success.append({"name": house.states[entity_id].name, "type": "entity", "id": entity_id})
    speech = _SPEECH[intent_type].format(success[0]["name"] if len(success) == 1 else name)
    data = {"targets": [], "success": success, "failed": []}
    return intent_response(speech, "action_done", data, language)


def process_text(
    house: House, text: str, *, language: str = "en", conversation_id: str | None = None
) -> dict[str, Any]:
    """Answer `/api/conversation/process`: on/off/toggle sentences on exposed entities."""
    sentence = _normalize(text)
    response = intent_response(NOT_UNDERSTOOD, "error", {"code": "no_intent_match"}, language)
    for pattern, intent_type in _SENTENCES:
        match = pattern.match(sentence)
        if match is None:
            continue
        candidate = handle_intent(
            house, intent_type, {"name": match["name"]}, language=language, exposed_only=True
        )
        if candidate["response_type"] != "error" or candidate["data"]["code"] != "no_valid_targets":
            response = candidate
            break
    _LOGGER.debug("Conversation %r -> %s", text, response["response_type"])
    return {
        "response": response,
        "conversation_id": conversation_id or new_ulid().lower(),
        "continue_conversation": False,
    }


async def process_conversation(hass: FakeHomeAssistant, body: Mapping[str, Any]) -> dict[str, Any]:
    """`/api/conversation/process`: a Wyoming agent (`agent_id` of one of its conversation
    entities) over Wyoming, anything else with the built-in sentences above."""
    language = str(body.get("language") or "en")
    agent_id = body.get("agent_id")
    address = hass.flows.wyoming_address(agent_id) if isinstance(agent_id, str) else None
    if address is None:
        return process_text(
            hass.house,
            str(body["text"]),
            language=language,
            conversation_id=body.get("conversation_id"),
        )

    def run_intent(name: str, slots: Mapping[str, Any], language: str) -> dict[str, Any]:
        # As HA's Wyoming conversation entity: the intent runs for the `conversation`
        # assistant; any intent error becomes "Error handling intent: …".
        call = IntentCall(hass.house, name, dict(slots), language, assistant="conversation")
        try:
            return handle_registered_intent(call).as_dict()
        except (IntentError, MatchFailedError) as err:
            failed = IntentResponse(language)
            failed.set_error("failed_to_handle", f"Error handling intent: {err}")
            return failed.as_dict()

    return await ask_wyoming_agent(
        *address,
        str(body["text"]),
        language=language,
        conversation_id=body.get("conversation_id"),
        run_intent=run_intent,
    )
