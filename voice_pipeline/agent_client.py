"""The one Wyoming conversation-agent client: a transcript in, the (streamed) answer out.

    transcript {text, language, context} → handled-start? handled-chunk* → handled | not-handled

Used by the streaming pipeline (chunks feed the TTS while the agent writes) and by
`wyoming-voice ask` (chunks printed as they come).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.handle import Handled, HandledChunk, HandledStart, NotHandled
from wyoming.intent import Intent, IntentsStart, NotRecognized

from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .errors import ServiceError
from .service_check import check_service

STAGE = "agent"
CONTINUE_KEY = "continue_conversation"
"""Key of `handled.context` by which an agent says its reply expects an answer."""


@dataclass(frozen=True)
class AgentText:
    """A piece of the answer (`final` False) or the whole answer (`final` True)."""

    text: str
    final: bool = False
    handled: bool = True
    conversation_id: str | None = None
    continue_conversation: bool | None = None
    """The agent's word on whether it asked something (None: it did not say)."""


def _conversation_id(context: Mapping[str, Any] | None) -> str | None:
    value = (context or {}).get("conversation_id")
    return str(value) if value else None


def _continue(context: Mapping[str, Any] | None) -> bool | None:
    value = (context or {}).get(CONTINUE_KEY)
    return None if value is None else bool(value)


def _final(
    text: str | None, context: Mapping[str, Any] | None, started_id: str | None, handled: bool
) -> AgentText:
    return AgentText(
        text or "",
        final=True,
        handled=handled,
        conversation_id=_conversation_id(context) or started_id,
        continue_conversation=_continue(context),
    )


async def converse(
    uri: str,
    text: str,
    *,
    language: str | None = None,
    context: Mapping[str, Any] | None = None,
    conversation_id: str | None = None,
    connect_timeout: float = 5.0,
    timeout: float = 60.0,
    check: bool = False,
) -> AsyncIterator[AgentText]:
    """Yield handled-chunk texts as they arrive, then the final handled/not-handled text.

    `timeout` bounds the wait for each event; `check` first asks `describe` whether uri is a
    conversation agent. Raises ServiceError (an `error` event, a closed connection, intents
    instead of a handled answer).
    """
    if check:
        await check_service(STAGE, uri, connect_timeout)
    full_context: dict[str, Any] = dict(context or {})
    if conversation_id:
        full_context["conversation_id"] = conversation_id
    conn = WyomingConnection(uri, connect_timeout=connect_timeout, read_timeout=timeout)
    try:
        await conn.connect()
        transcript = Transcript(text=text, language=language, context=full_context or None)
        await conn.write(transcript.event())
        started_id: str | None = None
        while True:
            event = await conn.read()
            if event is None:
                raise ServiceError(STAGE, f"{uri} closed the connection before answering")
            if HandledStart.is_type(event.type):
                started_id = _conversation_id(HandledStart.from_event(event).context)
            elif HandledChunk.is_type(event.type):
                chunk = HandledChunk.from_event(event).text
                if chunk:
                    yield AgentText(chunk)
            elif Handled.is_type(event.type):
                handled = Handled.from_event(event)
                yield _final(handled.text, handled.context, started_id, True)
                return
            elif NotHandled.is_type(event.type):
                not_handled = NotHandled.from_event(event)
                yield _final(not_handled.text, not_handled.context, started_id, False)
                return
            elif Error.is_type(event.type):
                error = Error.from_event(event)
                raise ServiceError(STAGE, f"{error.text} ({error.code})")
            elif any(c.is_type(event.type) for c in (Intent, IntentsStart, NotRecognized)):
                raise ServiceError(
                    STAGE, "the service recognises intents only; a handler is needed"
                )
    except ServiceError:
        raise
    except ServiceUnavailableError as err:
        raise ServiceError(STAGE, str(err)) from err
    finally:
        await conn.close()
