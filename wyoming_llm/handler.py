"""The Wyoming side: `transcript` in, `handled-start/chunk/stop` + `handled` (or
`not-handled`) out. The turn runs as a background task so `describe` stays instant."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, HandledStart, HandledStop, NotHandled

from wyoming_common.handler import InfoSource, ServiceEventHandler
from wyoming_common.metrics import Metrics

from .agent import ConversationAgent
from .turn import TurnRequest

_LOGGER = logging.getLogger(__name__)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


class AgentEventHandler(ServiceEventHandler):
    """One client connection of the conversation agent."""

    service = "llm"

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        agent: ConversationAgent,
        info: InfoSource,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(reader, writer, info=info, metrics=metrics)
        self.agent = agent

    async def handle_request(self, event: Event) -> bool:
        """Start a turn for each transcript; other events are ignored."""
        if not Transcript.is_type(event.type):
            _LOGGER.debug("Ignoring %s from %s", event.type, self.peer)
            return True
        transcript = Transcript.from_event(event)
        context = transcript.context if isinstance(transcript.context, dict) else {}
        request = TurnRequest(
            text=transcript.text or "",
            conversation_id=_text(context.get("conversation_id")),
            language=_text(transcript.language),
            device_id=_text(context.get("device_id")),
            satellite_id=_text(context.get("satellite_id")),
        )
        self.begin_request("handle")
        self.start_task(self._answer(request), "turn")
        return True

    async def _answer(self, request: TurnRequest) -> None:
        started = False

        async def speak(chunk: str) -> None:
            nonlocal started
            if not chunk:
                return
            if not started:
                started = True
                await self.write_event(HandledStart().event())
            await self.write_event(HandledChunk(text=chunk).event())

        # The turn is work for this connection however it waits (a local model, an OpenAI
        # server, Home Assistant): a slow answer is never taken for an idle client.
        with self.activity.working():
            reply = await self.agent.converse(request, speak)
        context = reply.context
        if started:
            await self.write_event(HandledStop().event())
        if reply.handled:
            await self.write_event(Handled(text=reply.text, context=context).event())
        else:
            await self.write_event(NotHandled(text=reply.text, context=context).event())
        seconds = self.end_request(ok=True)
        _LOGGER.debug("Turn answered (%s) in %.3f s", reply.source, seconds)
