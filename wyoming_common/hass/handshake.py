"""The websocket handshake: Home Assistant's greeting, our access token, its verdict."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .errors import HomeAssistantAuthError, HomeAssistantConnectionError

if TYPE_CHECKING:
    import aiohttp


async def authenticate(ws: aiohttp.ClientWebSocketResponse, token: str) -> str | None:
    """auth_required → auth → auth_ok; returns Home Assistant's version. A rejected token
    raises HomeAssistantAuthError, anything unexpected HomeAssistantConnectionError."""
    hello = await _receive_object(ws)
    if hello.get("type") != "auth_required":
        raise HomeAssistantConnectionError(f"unexpected greeting {hello.get('type')!r}")
    await ws.send_json({"type": "auth", "access_token": token})
    answer = await _receive_object(ws)
    if answer.get("type") == "auth_invalid":
        raise HomeAssistantAuthError("Home Assistant rejected the access token")
    if answer.get("type") != "auth_ok":
        raise HomeAssistantConnectionError(f"unexpected auth answer {answer.get('type')!r}")
    version = answer.get("ha_version")
    return str(version) if version is not None else None


async def _receive_object(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next message of the handshake, which must be a JSON object."""
    import aiohttp

    message = await ws.receive()
    if message.type != aiohttp.WSMsgType.TEXT:
        raise HomeAssistantConnectionError(
            f"Home Assistant closed the websocket ({message.type.name})"
        )
    data = json.loads(message.data)
    if not isinstance(data, dict):
        raise HomeAssistantConnectionError("unexpected websocket message (not an object)")
    return data
