"""Home Assistant's REST API (`/api/...`): one bounded request with a bearer token."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from .errors import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantResponseError,
    HomeAssistantTimeoutError,
)

if TYPE_CHECKING:
    import aiohttp


async def rest_request(
    session: aiohttp.ClientSession,
    base_url: str,
    token: str,
    *,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float,
) -> Any:
    """Send one request and return the decoded JSON answer (None for an empty body).

    401 → HomeAssistantAuthError; other HTTP errors → HomeAssistantCommandError with
    `error_code` `http_<status>` and HA's `message`; no answer within `timeout` →
    HomeAssistantTimeoutError; refused or dropped → HomeAssistantConnectionError.
    """
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base_url}{path}"
    try:
        async with (
            asyncio.timeout(timeout),
            session.request(method, url, json=body, headers=headers) as response,
        ):
            status = response.status
            text = await response.text()
    except TimeoutError as err:
        raise HomeAssistantTimeoutError(
            f"Home Assistant did not answer {method} {path} within {timeout:g} s"
        ) from err
    except aiohttp.ClientError as err:
        reason = str(err) or type(err).__name__
        raise HomeAssistantConnectionError(f"cannot reach {base_url}: {reason}") from err
    if status == 401:
        raise HomeAssistantAuthError("Home Assistant rejected the access token")
    if status >= 400:
        raise HomeAssistantCommandError(f"http_{status}", error_message(text), status=status)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        raise HomeAssistantResponseError(f"{method} {path}: the answer is not JSON") from err


def error_message(text: str) -> str:
    """The `message` of an HA error body, or the body itself (shortened)."""
    try:
        body = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return text[:200]
