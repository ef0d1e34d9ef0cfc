"""Intents, conversation and to-do items over REST: `/api/intent/handle`,
`/api/conversation/process`, `todo.get_items` (part of HomeAssistantClient)."""

from __future__ import annotations

from typing import Any

from .errors import HomeAssistantError
from .models import ConversationResult, IntentResult


class IntentsAndConversation:
    """HomeAssistantClient's intent, conversation and to-do calls (it provides `rest`)."""

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

    async def todo_items(self, entity_id: str, status: str = "needs_action") -> list[str]:
        """The items of a to-do list with this status, in order: `todo.get_items`, a service
        with a response (HA keeps items out of the state, which is only their count)."""
        answer = await self.rest(
            "POST",
            "/api/services/todo/get_items?return_response",
            {"entity_id": entity_id, "status": status},
        )
        response = answer.get("service_response") if isinstance(answer, dict) else None
        listed = response.get(entity_id) if isinstance(response, dict) else None
        items = listed.get("items") if isinstance(listed, dict) else None
        if not isinstance(items, list):
            raise HomeAssistantError(f"todo.get_items gave no items for {entity_id}")
        return [
            str(item["summary"]) for item in items if isinstance(item, dict) and "summary" in item
        ]
