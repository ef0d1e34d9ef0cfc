"""Intents and conversation over REST: `/api/intent/handle`, `/api/conversation/process`
(part of HomeAssistantClient)."""

from __future__ import annotations

from typing import Any

from .models import ConversationResult, IntentResult


class IntentsAndConversation:
    """HomeAssistantClient's intent and conversation calls (it provides `rest`)."""

    async def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One REST request (HomeAssistantClient.rest)."""
        raise NotImplementedError

    async def handle_intent(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        language: str | None = None,
        assistant: str | None = None,
        device_id: str | None = None,
        satellite_id: str | None = None,
    ) -> IntentResult:
        """`POST /api/intent/handle`. HA answers an unknown intent or a bad slot with HTTP 500:
        that raises HomeAssistantCommandError (`status` 500)."""
        body: dict[str, Any] = {"name": name, "data": dict(data or {})}
        optional = {
            "language": language,
            "assistant": assistant,
            "device_id": device_id,
            "satellite_id": satellite_id,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return IntentResult.from_dict(await self.rest("POST", "/api/intent/handle", body))

    async def process_conversation(
        self,
        text: str,
        *,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        language: str | None = None,
    ) -> ConversationResult:
        """`POST /api/conversation/process`: one sentence through a conversation agent."""
        body: dict[str, Any] = {"text": text}
        optional = {"agent_id": agent_id, "conversation_id": conversation_id, "language": language}
        body.update({key: value for key, value in optional.items() if value is not None})
        answer = await self.rest("POST", "/api/conversation/process", body)
        return ConversationResult.from_dict(answer)
