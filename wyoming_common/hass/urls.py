"""Home Assistant's URL in its two forms: `http(s)://` for REST, `ws(s)://` for the websocket."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_HTTP_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_WS_PATH = "/api/websocket"


def _split(url: str) -> tuple[str, str, str]:
    expected = f"expected http(s)://HOST:PORT or ws(s)://HOST:PORT, got {url!r}"
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # a port that is not a number in 0..65535
    except ValueError as err:  # e.g. "Invalid IPv6 URL"
        raise ValueError(f"{expected} ({err})") from err
    scheme = parts.scheme.lower()
    if scheme not in _WS_SCHEMES or not parts.netloc or not parts.hostname:
        raise ValueError(expected)
    path = parts.path.rstrip("/")
    path = path.removesuffix(_WS_PATH)
    return scheme, parts.netloc, path


def websocket_url(url: str) -> str:
    """`http(s)://host:8123[/prefix]` → `ws(s)://host:8123[/prefix]/api/websocket`."""
    scheme, netloc, path = _split(url)
    return urlunsplit((_WS_SCHEMES[scheme], netloc, path + _WS_PATH, "", ""))


def rest_url(url: str) -> str:
    """The REST base: `ws://host:8123/api/websocket` or `http://host:8123/` → `http://host:8123`."""
    scheme, netloc, path = _split(url)
    return urlunsplit((_HTTP_SCHEMES[scheme], netloc, path, "", ""))
