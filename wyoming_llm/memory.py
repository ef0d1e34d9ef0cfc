"""Conversation history per conversation id: expires after idle time, bounded in turns and
tokens, and holds actions waiting for a spoken "confirm"."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .intents.calls import Pending

Clock = Callable[[], float]
TokenCounter = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    """A cheap estimate (about four characters per token) when no tokenizer is at hand."""
    return len(text) // 4 + 1


def new_conversation_id() -> str:
    """A fresh id (uuid4 hex), returned to the client in `handled.context`."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Exchange:
    """One finished turn."""

    user: str
    assistant: str


@dataclass
class Conversation:
    """One conversation's state."""

    conversation_id: str
    exchanges: list[Exchange] = field(default_factory=list)
    pending: tuple[Pending, ...] = ()  # actions proposed here, released by "confirm"
    last_targets: tuple[str, ...] = ()  # entities of the last turn ("turn it off")
    last_turn: float = 0.0


class ConversationMemory:
    """All live conversations, forgotten `idle_timeout` seconds after their last turn."""

    def __init__(
        self,
        *,
        idle_timeout: float = 300.0,
        max_turns: int = 8,
        max_tokens: int = 1024,
        max_conversations: int = 256,
        clock: Clock = time.monotonic,
        count_tokens: TokenCounter = approximate_tokens,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_turns = max_turns
        self.max_tokens = max_tokens
        self.max_conversations = max_conversations
        self._clock = clock
        self.count_tokens = count_tokens
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()

    def __len__(self) -> int:
        self._expire()
        return len(self._conversations)

    def _expire(self) -> None:
        now = self._clock()
        for conversation_id in [
            cid
            for cid, conversation in self._conversations.items()
            if now - conversation.last_turn > self.idle_timeout
        ]:
            del self._conversations[conversation_id]

    def open(self, conversation_id: str | None) -> Conversation:
        """The live conversation with this id, or a fresh one (new id when none was given)."""
        self._expire()
        cid = conversation_id or new_conversation_id()
        conversation = self._conversations.get(cid)
        if conversation is None:
            conversation = Conversation(cid, last_turn=self._clock())
            self._conversations[cid] = conversation
            while len(self._conversations) > self.max_conversations:
                self._conversations.popitem(last=False)
        self._conversations.move_to_end(cid)
        return conversation

    def record(self, conversation: Conversation, user: str, assistant: str) -> None:
        """Add a finished turn and trim the history to the turn and token budgets."""
        conversation.exchanges.append(Exchange(user, assistant))
        conversation.last_turn = self._clock()
        del conversation.exchanges[: max(0, len(conversation.exchanges) - self.max_turns)]
        while conversation.exchanges and self._tokens(conversation) > self.max_tokens:
            del conversation.exchanges[0]

    def touch(self, conversation: Conversation) -> None:
        """Mark activity without adding history."""
        conversation.last_turn = self._clock()

    def _tokens(self, conversation: Conversation) -> int:
        return sum(
            self.count_tokens(exchange.user) + self.count_tokens(exchange.assistant)
            for exchange in conversation.exchanges
        )
