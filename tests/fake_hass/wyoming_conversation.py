"""HA's Wyoming conversation entity: one sentence to a Wyoming agent, as HA 2026.11 sends it.

`transcript {text, language, context {conversation_id, device_id?, satellite_id?}}` on a new
connection; the first terminal event decides the answer: `handled` → `action_done` with its
text as speech (whatever the text says: a refusal must come as `not-handled`), `not-handled` →
error `failed_to_handle`, `error` → error `unknown`, `intent` → HA runs that intent itself.
`handled-start/chunk/stop` are read and ignored, as HA does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.handle import Handled, NotHandled
from wyoming.intent import Intent, NotRecognized

from .registry import new_ulid

_LOGGER = logging.getLogger(__name__)

AGENT_TIMEOUT = 30.0  # HA itself has none; the fake must not hang a test forever
IntentRunner = Callable[[str, Mapping[str, Any], str], dict[str, Any]]


def response(
    speech: str, response_type: str, data: Mapping[str, Any], language: str
) -> dict[str, Any]:
    """HA's `IntentResponse.as_dict()` shape."""
    return {
        "speech": {"plain": {"speech": speech, "extra_data": None}} if speech else {},
        "card": {},
        "language": language,
        "response_type": response_type,
        "data": dict(data),
    }


def _error(code: str, speech: str, language: str) -> dict[str, Any]:
    return response(speech, "error", {"code": code}, language)


async def ask_wyoming_agent(
    host: str,
    port: int,
    text: str,
    *,
    language: str,
    conversation_id: str | None,
    device_id: str | None = None,
    satellite_id: str | None = None,
    run_intent: IntentRunner,
) -> dict[str, Any]:
    """The `/api/conversation/process` answer for a Wyoming conversation entity."""
    chosen_id = conversation_id or new_ulid().lower()
    context: dict[str, Any] = {"conversation_id": chosen_id}
    if device_id:
        context["device_id"] = device_id
    if satellite_id:
        context["satellite_id"] = satellite_id
    try:
        async with asyncio.timeout(AGENT_TIMEOUT), AsyncTcpClient(host, port) as client:
            await client.write_event(Transcript(text, context=context, language=language).event())
            answer = await _read_answer(client, text, language, run_intent)
    except (OSError, TimeoutError, ConnectionError) as err:
        answer = _error("unknown", f"Error communicating with service: {err}", language)
        return {"response": answer, "conversation_id": conversation_id}
    return {"response": answer, "conversation_id": chosen_id, "continue_conversation": False}


async def _read_answer(
    client: AsyncTcpClient, text: str, language: str, run_intent: IntentRunner
) -> dict[str, Any]:
    while True:
        event = await client.read_event()
        if event is None:
            raise ConnectionError("Connection lost")
        if Handled.is_type(event.type):
            speech = Handled.from_event(event).text or ""
            return response(speech, "action_done", {"success": [], "failed": []}, language)
        if NotHandled.is_type(event.type):
            reason = NotHandled.from_event(event).text or ""
            return _error("failed_to_handle", reason, language)
        if Error.is_type(event.type):
            return _error("unknown", Error.from_event(event).text, language)
        if NotRecognized.is_type(event.type):
            return _error("no_intent_match", NotRecognized.from_event(event).text or "", language)
        if Intent.is_type(event.type):
            intent = Intent.from_event(event)
            slots = {entity.name: entity.value for entity in intent.entities}
            answer = run_intent(intent.name, slots, language)
            if not answer.get("speech") and intent.text:
                answer["speech"] = {"plain": {"speech": intent.text, "extra_data": None}}
            return answer
        _LOGGER.debug("Ignoring %s from the agent", event.type)
