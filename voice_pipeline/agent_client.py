"""Send a transcript to a Wyoming conversation agent and read its (streamed) answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.handle import Handled, HandledChunk, HandledStart, NotHandled
from wyoming.intent import Intent, IntentsStart, NotRecognized

from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .errors import PipelineError
from .types import PipelineOptions


@dataclass(frozen=True)
class AgentText:
    """A piece of the answer (`final` False) or the whole answer (`final` True)."""

    text: str
    final: bool = False
    handled: bool = True
    conversation_id: str | None = None


def _conversation_id(context: dict[str, Any] | None) -> str | None:
    value = (context or {}).get("conversation_id")
    return str(value) if value else None


async def converse(
    uri: str, text: str, options: PipelineOptions, conversation_id: str | None
) -> AsyncIterator[AgentText]:
    """Yield handled-chunk texts as they arrive, then the final handled/not-handled text."""
    context: dict[str, Any] = dict(options.context)
    if conversation_id:
        context["conversation_id"] = conversation_id
    conn = WyomingConnection(
        uri, connect_timeout=options.connect_timeout, read_timeout=options.agent_timeout
    )
    try:
        await conn.connect()
        await conn.write(
            Transcript(text=text, language=options.language, context=context or None).event()
        )
        started_id: str | None = None
        while True:
            event = await conn.read()
            if event is None:
                raise PipelineError("agent", f"{uri} closed the connection before answering")
            if HandledStart.is_type(event.type):
                started_id = _conversation_id(HandledStart.from_event(event).context)
            elif HandledChunk.is_type(event.type):
                chunk = HandledChunk.from_event(event).text
                if chunk:
                    yield AgentText(chunk)
            elif Handled.is_type(event.type):
                handled = Handled.from_event(event)
                cid = _conversation_id(handled.context) or started_id
                yield AgentText(handled.text or "", final=True, conversation_id=cid)
                return
            elif NotHandled.is_type(event.type):
                not_handled = NotHandled.from_event(event)
                cid = _conversation_id(not_handled.context) or started_id
                yield AgentText(
                    not_handled.text or "", final=True, handled=False, conversation_id=cid
                )
                return
            elif Error.is_type(event.type):
                error = Error.from_event(event)
                raise PipelineError("agent", f"{error.text} ({error.code})")
            elif any(c.is_type(event.type) for c in (Intent, IntentsStart, NotRecognized)):
                raise PipelineError(
                    "agent", "the service recognises intents only; the satellite needs a handler"
                )
    except ServiceUnavailableError as err:
        raise PipelineError("agent", str(err)) from err
    finally:
        await conn.close()
