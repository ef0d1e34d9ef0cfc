"""Who may drive the gateway from a browser: the `Host` and `Origin` checks.

Without them any website the user visits could post "unlock the door" to the gateway on
127.0.0.1 (a cross-site request: `text/plain` needs no CORS preflight, and WebSockets are not
covered by CORS at all), or reach it under its own host name after re-pointing that name at
127.0.0.1 (DNS rebinding). So:

- `Host` must be a loopback name (`localhost`, `*.localhost`) or address, an address when the
  gateway listens beyond loopback (rebinding needs a *name*; an IP literal cannot be rebound),
  or a name given with `--allowed-host` (and this machine's name when it listens beyond
  loopback). Checked on every request.
- `Origin`, on every state-changing request (anything but GET/HEAD/OPTIONS) and on the
  WebSocket handshake, must be the gateway's own origin or one given with `--allowed-origin`.
  No `Origin` at all is a script (curl, Python), not a browser page: allowed, unless the
  browser's `Sec-Fetch-Site` says the request is cross-site. `Origin: null` (sandboxed frames,
  `file://`) is refused.

Allowed origins also get CORS answers, so a page there can call the API with `fetch`.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware
from yarl import URL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_LOGGER = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WEBSOCKET_PATH = "/ws"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_CORS_HEADERS = "Authorization, Content-Type, X-Conversation-Id"
_EXPOSED = "X-Transcript, X-Reply, X-Conversation-Id, X-Handled, X-Timings, X-Audio-Seconds"


class OriginError(ValueError):
    """An `--allowed-origin` value that is not scheme://host[:port]."""


def normalize_origin(text: str) -> str:
    """`HTTPS://Voice.Local:443/` → `https://voice.local`; OriginError when it is no origin."""
    url = URL(text.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise OriginError(f"expected http(s)://HOST[:PORT], got {text!r}")
    if url.path not in ("", "/") or url.query_string or url.fragment or url.user:
        raise OriginError(f"an origin has no path, query or user: {text!r}")
    port = url.explicit_port
    host = f"[{url.host}]" if ":" in url.host else url.host
    suffix = f":{port}" if port and port != _DEFAULT_PORTS[url.scheme] else ""
    return f"{url.scheme}://{host.lower()}{suffix}"


def _split_host(header: str) -> tuple[str, int | None] | None:
    """`Host` header → (lower-case name or address without brackets, port); None if invalid."""
    try:
        url = URL(f"http://{header.strip()}")
        host = url.host
        port = url.explicit_port
    except ValueError:
        return None
    if not host or url.path not in ("", "/") or url.user:
        return None
    return host.lower().rstrip("."), port


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class RequestGuard:
    """The Host and Origin rules of one gateway."""

    allowed_hosts: frozenset[str]
    allowed_origins: frozenset[str]
    beyond_loopback: bool

    @classmethod
    def build(
        cls, hosts: Iterable[str], origins: Iterable[str], *, listen_host: str, loopback: bool
    ) -> RequestGuard:
        """Rules for a gateway listening on listen_host (its name is allowed too)."""
        names = {name.lower().rstrip(".") for name in hosts}
        if _ip(listen_host) is None and listen_host:
            names.add(listen_host.lower())
        if not loopback:  # reached by this machine's name from the network
            machine = socket.gethostname().lower()
            names |= {machine, f"{machine.split('.')[0]}.local"}
        return cls(frozenset(names), frozenset(map(normalize_origin, origins)), not loopback)

    def host_allowed(self, header: str | None) -> bool:
        """Whether a `Host` header names this gateway (no header: not a browser, allowed)."""
        if header is None:
            return True
        parsed = _split_host(header)
        if parsed is None:
            return False
        host, _port = parsed
        address = _ip(host)
        if address is not None:
            return address.is_loopback or self.beyond_loopback
        return host == "localhost" or host.endswith(".localhost") or host in self.allowed_hosts

    def origin_allowed(self, request: web.Request) -> bool:
        """Whether a state-changing request may come from the page that sent it."""
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return request.headers.get("Sec-Fetch-Site", "same-origin") != "cross-site"
        try:
            normalized = normalize_origin(origin)
        except (OriginError, ValueError):
            return False  # "null" and anything unparsable
        return normalized in self.allowed_origins or _same_origin(normalized, request)

    def cors_origin(self, request: web.Request) -> str | None:
        """The Origin to echo in CORS headers: only an explicitly allowed one."""
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return None
        try:
            normalized = normalize_origin(origin)
        except (OriginError, ValueError):
            return None
        return origin if normalized in self.allowed_origins else None


def _same_origin(origin: str, request: web.Request) -> bool:
    url = URL(origin)
    parsed = _split_host(request.headers.get(hdrs.HOST, ""))
    if parsed is None or url.host is None:
        return False
    host, port = parsed
    default = _DEFAULT_PORTS[url.scheme]
    return host == url.host.lower() and (port or default) == (url.explicit_port or default)


def _refuse(request: web.Request, what: str, status: int = 403) -> web.Response:
    _LOGGER.info("Refused %s %s from %s: %s", request.method, request.path, request.remote, what)
    return web.json_response({"error": what, "stage": "origin"}, status=status)


def _is_state_changing(request: web.Request) -> bool:
    return request.method not in SAFE_METHODS or request.path == WEBSOCKET_PATH


def guard_middleware(guard: RequestGuard) -> Middleware:
    """403 for a foreign Host or a cross-site Origin; CORS answers for allowed origins."""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not guard.host_allowed(request.headers.get(hdrs.HOST)):
            return _refuse(
                request, "this Host is not allowed (add it with --allowed-host)", status=421
            )
        cors = guard.cors_origin(request)
        if request.method == "OPTIONS" and cors is not None:
            return web.Response(status=204, headers=_preflight_headers(cors))
        if _is_state_changing(request) and not guard.origin_allowed(request):
            return _refuse(
                request, "cross-site request refused (allow a page with --allowed-origin)"
            )
        response = await handler(request)
        if cors is not None and not response.prepared:
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = cors
            response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = _EXPOSED
            response.headers.add(hdrs.VARY, "Origin")
        return response

    return check


def _preflight_headers(origin: str) -> dict[str, str]:
    return {
        hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin,
        hdrs.ACCESS_CONTROL_ALLOW_METHODS: "GET, POST",
        hdrs.ACCESS_CONTROL_ALLOW_HEADERS: _CORS_HEADERS,
        hdrs.ACCESS_CONTROL_MAX_AGE: "600",
        hdrs.VARY: "Origin",
    }
