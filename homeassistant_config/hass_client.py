"""A small Home Assistant client for provisioning: REST (config flows) and the WebSocket API."""

from __future__ import annotations

import asyncio
import json
import logging
from types import TracebackType
from typing import Any

import aiohttp

from .errors import CannotConnectError, CommandError, HomeAssistantError, InvalidAuthError

_LOGGER = logging.getLogger(__name__)


class HomeAssistantClient:
    """Talks to one Home Assistant with a long-lived access token.

    Use it as an async context manager. A session may be injected; otherwise the client owns
    one. Every request is bounded by `timeout` seconds.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._session = session
        self._own_session = session is None
        self._timeout = timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 1

    async def __aenter__(self) -> HomeAssistantClient:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the WebSocket and, when the client owns it, the session."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session (the client must have been entered)."""
        if self._session is None:
            raise RuntimeError("use `async with HomeAssistantClient(...)`")
        return self._session

    # REST -----------------------------------------------------------------------------------

    async def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the REST API and return the decoded JSON answer."""
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with asyncio.timeout(self._timeout):
                async with self.session.request(
                    method, f"{self.url}{path}", json=body, headers=headers
                ) as response:
                    if response.status == 401:
                        raise InvalidAuthError(self._auth_hint())
                    text = await response.text()
                    if response.status >= 400:
                        raise HomeAssistantError(
                            f"{method} {path} failed with HTTP {response.status}: {_message(text)}"
                        )
                    return json.loads(text) if text else None
        except (aiohttp.ClientConnectionError, TimeoutError) as err:
            raise CannotConnectError(self._connect_hint(err)) from err
        except ValueError as err:
            raise HomeAssistantError(f"{method} {path}: the answer is not JSON") from err

    async def check(self) -> str:
        """Check the URL and token; returns the Home Assistant version."""
        await self.rest("GET", "/api/")
        config = await self.rest("GET", "/api/config")
        return str(config.get("version", "unknown")) if isinstance(config, dict) else "unknown"

    # WebSocket ------------------------------------------------------------------------------

    async def command(self, type_: str, **fields: Any) -> Any:
        """Send one WebSocket command and return its result (raises CommandError)."""
        ws = await self._websocket()
        msg_id, self._next_id = self._next_id, self._next_id + 1
        try:
            async with asyncio.timeout(self._timeout):
                await ws.send_json({"id": msg_id, "type": type_, **fields})
                while True:
                    message = await self._receive(ws)
                    if message.get("id") == msg_id and message.get("type") == "result":
                        break
        except TimeoutError as err:
            raise CannotConnectError(f"Home Assistant did not answer {type_}") from err
        if not message.get("success"):
            error = message.get("error") or {}
            raise CommandError(type_, str(error.get("code")), str(error.get("message")))
        return message.get("result")

    async def _websocket(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is not None and not self._ws.closed:
            return self._ws
        url = "ws" + self.url.removeprefix("http") + "/api/websocket"
        try:
            async with asyncio.timeout(self._timeout):
                ws = await self.session.ws_connect(url, heartbeat=None)
                hello = await self._receive(ws)
                if hello.get("type") != "auth_required":
                    raise HomeAssistantError(f"unexpected WebSocket greeting: {hello}")
                await ws.send_json({"type": "auth", "access_token": self._token})
                answer = await self._receive(ws)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnectError(self._connect_hint(err)) from err
        if answer.get("type") != "auth_ok":
            await ws.close()
            raise InvalidAuthError(self._auth_hint())
        _LOGGER.debug("WebSocket connected to %s (HA %s)", self.url, answer.get("ha_version"))
        self._ws = ws
        return ws

    @staticmethod
    async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        message = await ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            raise CannotConnectError(f"Home Assistant closed the WebSocket ({message.type.name})")
        data = message.json()
        if not isinstance(data, dict):
            raise HomeAssistantError(f"unexpected WebSocket message: {data!r}")
        return data

    def _auth_hint(self) -> str:
        return (
            f"Home Assistant at {self.url} rejected the access token. Create a long-lived "
            "access token (your profile → Security → Long-lived access tokens) and put it "
            "in the --hass-token-file"
        )

    def _connect_hint(self, err: BaseException) -> str:
        reason = str(err) or type(err).__name__
        return (
            f"cannot reach Home Assistant at {self.url} ({reason}); check --hass-url "
            "(e.g. http://homeassistant.local:8123) and that Home Assistant is running"
        )


def _message(text: str) -> str:
    """The `message` of an HA error body, or the body itself (shortened)."""
    try:
        body = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return text[:200]
