"""Cross-site requests and DNS rebinding: forged Origin and Host headers change nothing in HA.

Each attack is sent the way a hostile page's browser would send it (a `text/plain` POST needs
no CORS preflight; WebSockets have no CORS at all) and, for the Host checks, as raw HTTP bytes.
The fake Home Assistant's states are compared before and after: 0 actions.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.support.stack import ServiceStack
from wyoming_web.guard import RequestGuard, normalize_origin

from .support import HTTP_TIMEOUT, Client, gateway_client

pytestmark = pytest.mark.timeout(60)

COMMAND = "turn on the kitchen lights"
EVIL = "http://evil.example"


def states(stack: ServiceStack) -> dict[str, Any]:
    """Every entity's state and attributes (and when it last changed)."""
    return {s["entity_id"]: s for s in stack.hass_request("/api/states")}


@pytest.fixture
def untouched(stack: ServiceStack) -> Any:
    """Yields; then asserts that Home Assistant saw no change at all."""
    stack.turn_off("light.kitchen")
    before = states(stack)
    yield
    assert states(stack) == before, "a refused request changed something in Home Assistant"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL, "Content-Type": "text/plain"},
        {"Origin": "null", "Content-Type": "text/plain"},
        {"Origin": "http://127.0.0.1:1", "Content-Type": "text/plain"},  # another port
        {"Origin": "https://127.0.0.1", "Content-Type": "text/plain"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"},  # Origin stripped
    ],
)
async def test_cross_site_posts_are_refused(
    client: Client, untouched: None, headers: dict[str, str]
) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        for path in ("/api/ask", "/api/interact"):
            response = await client.post(path, data=COMMAND.encode(), headers=headers)
            assert response.status == 403, path
            body = await response.json()
            assert body["stage"] == "origin" and "--allowed-origin" in body["error"]


async def test_cross_site_websocket_is_refused(client: Client, untouched: None) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": EVIL})
        assert refused.value.status == 403


@pytest.mark.parametrize(
    "host", ["attacker.rebind.example", "attacker.rebind.example:8080", "192.168.1.20", "[::1"]
)
async def test_foreign_host_names_are_refused(client: Client, untouched: None, host: str) -> None:
    """DNS rebinding: the attacker's name now points at 127.0.0.1; its page is same-origin."""
    async with asyncio.timeout(HTTP_TIMEOUT):
        origin = f"http://{host}"
        for method, path in (("GET", "/"), ("GET", "/health"), ("POST", "/api/ask")):
            response = await client.request(
                method,
                path,
                data=COMMAND.encode(),
                headers={"Host": host, "Origin": origin, "Content-Type": "text/plain"},
            )
            assert response.status == 421, (method, path)
            assert "--allowed-host" in (await response.json())["error"]


async def raw_http(client: Client, request: bytes) -> bytes:
    """Send bytes as they are (no client library fixing headers up); the status line."""
    assert client.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    try:
        writer.write(request)
        await writer.drain()
        return await reader.readline()
    finally:
        writer.close()


async def test_raw_http_with_forged_headers(client: Client, untouched: None) -> None:
    body = COMMAND.encode()
    async with asyncio.timeout(HTTP_TIMEOUT):
        for host, origin in (
            ("attacker.rebind.example", "http://attacker.rebind.example"),
            (f"127.0.0.1:{client.port}", EVIL),
        ):
            answer = await raw_http(
                client,
                b"POST /api/ask HTTP/1.1\r\nHost: " + host.encode() + b"\r\nOrigin: "
                + origin.encode() + b"\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body,
            )  # fmt: skip
            assert answer.rstrip() in (
                b"HTTP/1.1 403 Forbidden",
                b"HTTP/1.1 421 Misdirected Request",
            )
        upgrade = await raw_http(
            client,
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + EVIL.encode() + b"\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        assert upgrade.startswith(b"HTTP/1.1 403")


async def test_same_origin_and_scripts_still_work(stack: ServiceStack, client: Client) -> None:
    stack.turn_off("light.kitchen")
    own = f"http://127.0.0.1:{client.port}"
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            "/api/ask?format=json",
            data=COMMAND.encode(),
            headers={"Origin": own, "Content-Type": "text/plain", "Sec-Fetch-Site": "same-origin"},
        )
        assert response.status == 200, await response.text()
        assert stack.state("light.kitchen") == "on"
        localhost = {
            "Host": f"localhost:{client.port}",
            "Origin": f"http://localhost:{client.port}",
        }
        response = await client.post(
            "/api/ask", json={"text": "what time is it"}, headers=localhost
        )
        assert response.status == 200
        async with client.ws_connect("/ws", headers={"Origin": own}) as ws:
            assert (await ws.receive_json())["type"] == "hello"


async def test_an_allowed_origin_and_host_get_in_with_cors(stack: ServiceStack) -> None:
    settings = stack.web_settings(
        allowed_origins=(normalize_origin("https://Dash.Example:443/"),),
        allowed_hosts=("voice.example",),
    )
    origin = "https://dash.example"
    async with gateway_client(settings) as client, asyncio.timeout(HTTP_TIMEOUT):
        preflight = await client.options(
            "/api/ask",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
        response = await client.post(
            "/api/ask",
            json={"text": "what time is it"},
            headers={"Origin": origin, "Host": "voice.example:8080"},
        )
        assert response.status == 200, await response.text()
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "X-Reply" in response.headers["Access-Control-Expose-Headers"]
        evil = await client.options("/api/ask", headers={"Origin": EVIL})
        assert "Access-Control-Allow-Origin" not in evil.headers


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/ask", "image/png"),
        ("/api/ask", "application/xml"),
        ("/api/ask", "application/x-www-form-urlencoded"),
        ("/api/ask", "multipart/form-data; boundary=x"),
        ("/api/interact", "image/png"),
        ("/api/interact", "text/plain"),
    ],
)
async def test_only_documented_content_types(
    client: Client, untouched: None, path: str, content_type: str
) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            path, data=COMMAND.encode(), headers={"Content-Type": content_type}
        )
        assert response.status == 415
        assert "unsupported content type" in (await response.json())["error"]


def test_host_rules() -> None:
    loopback = RequestGuard.build((), (), listen_host="127.0.0.1", loopback=True)
    for good in ("127.0.0.1:8080", "localhost", "LOCALHOST.:80", "[::1]:8080", "app.localhost"):
        assert loopback.host_allowed(good), good
    for bad in ("evil.example", "127.0.0.1.nip.io", "192.168.1.20:8080", "", "a b", "x@y"):
        assert not loopback.host_allowed(bad), bad
    assert loopback.host_allowed(None)  # HTTP/1.0 scripts
    lan = RequestGuard.build(("Voice.Example",), (), listen_host="0.0.0.0", loopback=False)
    assert lan.host_allowed("192.168.1.20:8080") and lan.host_allowed("voice.example")
    assert not lan.host_allowed("attacker.rebind.example")


def test_origin_normalization() -> None:
    assert normalize_origin("HTTPS://Voice.Local:443/") == "https://voice.local"
    assert normalize_origin("http://[::1]:8080") == "http://[::1]:8080"
    for bad in ("voice.local", "ftp://x", "http://x/path", "null", "http://u@x"):
        with pytest.raises(ValueError):
            normalize_origin(bad)
