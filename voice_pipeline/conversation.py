"""Conversation ids for follow-up questions: kept for 5 minutes after the last turn, like HA."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

CONVERSATION_IDLE_SECONDS = 300.0


class ConversationTracker:
    """Hands out the current conversation id, or a new one once the last turn is too old."""

    def __init__(
        self,
        idle_seconds: float = CONVERSATION_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._id: str | None = None
        self._last_turn = 0.0

    def current(self) -> str:
        """The id to send with the next turn."""
        now = self._clock()
        if self._id is None or now - self._last_turn > self.idle_seconds:
            self._id = uuid.uuid4().hex
            self._last_turn = now
        return self._id

    def turn_done(self, conversation_id: str | None = None) -> None:
        """Record a finished turn; an id chosen by the agent replaces ours."""
        if conversation_id:
            self._id = conversation_id
        self._last_turn = self._clock()


def expects_answer(reply: str, agent_says: bool | None = None) -> bool:
    """Whether a reply asks the user something, so the next turn needs no wake word.

    The agent's own word (`continue_conversation` in its context) wins; without it, a reply
    whose last sentence is a question does.
    """
    if agent_says is not None:
        return agent_says
    return reply.rstrip().rstrip("\"')\u00bb\u201d").endswith(("?", "\uff1f"))  # ? and fullwidth ?
