"""HA 2026.11's `POST /api/intent/handle` for the fake: request checks, the intent call, the
`IntentResponse` body, and which failures become a 200 error answer or an HTTP 500.

Handlers live in `intent_service` (actions on entities), `intent_media`, `intent_queries`
(states, weather, climate, to-do lists, time) and `intent_timers`; `intent_match` is HA's
target matching.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .house import Context
from .intent_match import MatchFailedError

if TYPE_CHECKING:
    from .house import House

_LOGGER = logging.getLogger(__name__)

SERVER_ERROR = "500 Internal Server Error\n\nServer got itself in trouble"
_REQUEST_KEYS = ("name", "data", "language", "assistant", "device_id", "satellite_id")


class IntentError(Exception):
    """Root of intent errors (`IntentError`)."""


class IntentHandleError(IntentError):
    """A handled failure: HTTP 200 with `response_type: error` and this text as speech."""


class InvalidSlotInfo(IntentError):
    """A slot failed validation: HTTP 500."""


class UnknownIntent(IntentError):
    """No handler for the intent: HTTP 500."""


class IntentUnexpectedError(IntentError):
    """Anything else a handler raised, e.g. a service validation error: HTTP 500."""


@dataclass
class IntentCall:
    """One intent to handle: the slots are the raw `data` values."""

    house: House
    intent_type: str
    slots: dict[str, Any]
    language: str = "en"
    assistant: str | None = None
    device_id: str | None = None
    satellite_id: str | None = None
    context: Context = field(default_factory=Context)


def target(name: str, kind: str, target_id: str | None) -> dict[str, Any]:
    """An `IntentResponseTarget` as JSON (fields in HA's order)."""
    return {"name": name, "type": kind, "id": target_id}


@dataclass
class IntentResponse:
    """HA's `IntentResponse`, serialised by `as_dict` exactly as the REST view does."""

    language: str = "en"
    response_type: str = "action_done"
    speech: dict[str, Any] = field(default_factory=dict)
    success: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    speech_slots: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None

    def set_error(self, code: str, message: str) -> None:
        """Turn the response into an error with spoken `message`."""
        self.response_type = "error"
        self.error_code = code
        self.speech = {"plain": {"speech": message, "extra_data": None}}

    def as_dict(self) -> dict[str, Any]:
        """The JSON body."""
        body: dict[str, Any] = {
            "speech": self.speech,
            "card": {},
            "language": self.language,
            "response_type": self.response_type,
        }
        if self.speech_slots:
            body["speech_slots"] = self.speech_slots
        if self.response_type == "error":
            body["data"] = {"code": self.error_code}
        else:
            body["data"] = {"success": self.success, "failed": self.failed}
        return body


Handler = Callable[[IntentCall], IntentResponse]


def _handlers() -> dict[str, Handler]:
    from . import intent_media, intent_queries, intent_service, intent_timers

    return {
        **intent_service.HANDLERS,
        **intent_media.HANDLERS,
        **intent_queries.HANDLERS,
        **intent_timers.HANDLERS,
    }


def handle_intent(call: IntentCall) -> IntentResponse:
    """Run one intent; raises `IntentError` subclasses HA's REST view does not catch."""
    handler = _handlers().get(call.intent_type)
    if handler is None:
        raise UnknownIntent(f"Unknown intent {call.intent_type}")
    try:
        return handler(call)
    except (IntentError, MatchFailedError):
        raise
    except ValueError as err:  # the slot validators' failures
        raise InvalidSlotInfo(f"Received invalid slot info for {call.intent_type}") from err
    except Exception as err:
        raise IntentUnexpectedError(f"Error handling {call.intent_type}") from err


def _check_request(body: Any) -> str | None:
    """The `RequestDataValidator` schema; returns the voluptuous message when invalid."""
    if not isinstance(body, dict):
        return "expected a dictionary"
    for key in body:
        if key not in _REQUEST_KEYS:
            return f"extra keys not allowed @ data['{key}']"
    if "name" not in body:
        return "required key not provided @ data['name']"
    if body["name"] is None or isinstance(body["name"], list | dict):
        return "string value is None @ data['name']"
    if "data" in body and not isinstance(body["data"], dict):
        return "expected a dictionary for dictionary value @ data['data']"
    for key in ("language", "assistant", "device_id", "satellite_id"):
        value = body.get(key)
        if isinstance(value, list | dict) or (key == "language" and key in body and value is None):
            return f"expected str for dictionary value @ data['{key}']"
    return None


def handle_request(house: House, raw: bytes) -> tuple[int, dict[str, Any] | str]:
    """Answer a raw request body: (HTTP status, JSON body or plain text)."""
    import json

    try:
        body = json.loads(raw)
    except ValueError:
        return 400, {"message": "Invalid JSON."}
    problem = _check_request(body)
    if problem is not None:
        return 400, {"message": f"Message format incorrect: {problem}"}
    language = str(body.get("language") or "en")
    call = IntentCall(
        house,
        str(body["name"]),
        dict(body.get("data") or {}),
        language=language,
        assistant=_optional(body.get("assistant")),
        device_id=_optional(body.get("device_id")),
        satellite_id=_optional(body.get("satellite_id")),
    )
    try:
        response = handle_intent(call)
    except (IntentHandleError, MatchFailedError) as err:
        response = IntentResponse(language)
        response.set_error("failed_to_handle", str(err))
    except IntentError as err:
        _LOGGER.debug("Intent %s answered HTTP 500: %s", call.intent_type, err)
        return 500, SERVER_ERROR
    return 200, response.as_dict()


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)
