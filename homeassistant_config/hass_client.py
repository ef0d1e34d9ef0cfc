"""A small Home Assistant client for provisioning: REST (config flows) and the WebSocket API."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

import aiohttp

from wyoming_common.hass_ws import (
    HomeAssistantAuthError,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantWebSocket,
)

from .errors import CannotConnectError, CommandError, HomeAssistantError, InvalidAuthError


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
        self._ws: HomeAssistantWebSocket | None = None

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
        try:
            return await ws.command(type_, **fields)
        except HomeAssistantCommandError as err:
            raise CommandError(type_, err.error_code, err.message) from err
        except HomeAssistantConnectionError as err:
            raise CannotConnectError(str(err)) from err

    async def _websocket(self) -> HomeAssistantWebSocket:
        if self._ws is not None:
            if self._ws.connected:
                return self._ws
            await self._ws.close()
            self._ws = None
        try:
            ws = HomeAssistantWebSocket(
                self.url, self._token, session=self.session, request_timeout=self._timeout
            )
            await ws.connect()
        except ValueError as err:  # not an http(s) URL
            raise CannotConnectError(self._connect_hint(err)) from err
        except HomeAssistantAuthError as err:
            raise InvalidAuthError(self._auth_hint()) from err
        except HomeAssistantConnectionError as err:
            raise CannotConnectError(self._connect_hint(err.__cause__ or err)) from err
        self._ws = ws
        return ws

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
