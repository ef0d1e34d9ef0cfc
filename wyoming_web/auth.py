"""The optional shared secret: `Authorization: Bearer KEY` on the API, the first message on /ws."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Middleware

from .guard import WEBSOCKET_PATH, Handler

_LOGGER = logging.getLogger(__name__)


# The page and its files load without the key: the page asks for it, then uses it.
PUBLIC_PATHS = frozenset({"/", "/index.html", "/favicon.ico"})
PUBLIC_PREFIX = "/static/"
# Browsers cannot set headers on a WebSocket: /ws (guard.WEBSOCKET_PATH) checks the key inside
# the protocol.


class ApiKey:
    """A shared secret compared in constant time; `ApiKey(None)` lets everyone in."""

    def __init__(self, key: str | None) -> None:
        self._key = key.encode("utf-8") if key else None

    @property
    def required(self) -> bool:
        """True when requests must carry the key."""
        return self._key is not None

    def matches(self, candidate: str | None) -> bool:
        """Whether candidate is the key (always True when no key is configured)."""
        if self._key is None:
            return True
        given = (candidate or "").encode("utf-8")
        return hmac.compare_digest(given, self._key)

    def allows(self, request: web.Request) -> bool:
        """Whether the request's `Authorization: Bearer` header carries the key."""
        if self._key is None:
            return True
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.matches(token.strip())

    def __repr__(self) -> str:
        return f"ApiKey(required={self.required})"


def is_public(path: str) -> bool:
    """Paths served without the key (the page's own files and the WebSocket handshake)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIX) or path == WEBSOCKET_PATH


def auth_middleware(key: ApiKey) -> Middleware:
    """401 with a JSON body for API calls without the key."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if key.required and not is_public(request.path) and not key.allows(request):
            _LOGGER.info(
                "Refused %s %s from %s: no valid API key",
                request.method,
                request.path,
                request.remote,
            )
            return web.json_response(
                {"error": "missing or wrong API key (Authorization: Bearer KEY)", "stage": "auth"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="wyoming-voice"'},
            )
        return await handler(request)

    return check
