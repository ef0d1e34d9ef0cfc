"""--api-key-file: Bearer on the API, the first message on /ws, the page's files stay open."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from yarl import URL

from tests.support.stack import ServiceStack

from .support import HTTP_TIMEOUT, gateway_client
from .ws_client import open_session

pytestmark = pytest.mark.timeout(60)

KEY = "s3cret-key-for-tests"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/interact"), ("POST", "/api/ask"), ("GET", "/health"), ("GET", "/metrics")],
)
async def test_api_routes_need_the_key(stack: ServiceStack, method: str, path: str) -> None:
    async with gateway_client(stack.web_settings(api_key=KEY)) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
                response = await client.request(method, path, headers=headers)
                assert response.status == 401, headers
                assert (await response.json())["stage"] == "auth"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            good = {"Authorization": f"Bearer {KEY}"}
            response = await client.request(method, path, headers=good, json={"text": "hi"})
            assert response.status not in (401, 403)


async def test_the_page_and_its_files_load_without_the_key(stack: ServiceStack) -> None:
    async with gateway_client(stack.web_settings(api_key=KEY)) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            page = await client.get("/")
            assert page.status == 200
            html = await page.text()
            assert 'id="talk"' in html
            assert "default-src 'self'" in page.headers["Content-Security-Policy"]
            for asset in ("app.js", "audio.js", "connection.js", "view.js", "mic-worklet.js",
                          "style.css", "icon.svg"):  # fmt: skip
                response = await client.get(f"/static/{asset}")
                assert response.status == 200, asset
                if asset.endswith(".js"):  # module scripts need a JavaScript type
                    assert response.content_type in ("text/javascript", "application/javascript")
            escape = URL("/static/%2E%2E/settings.py", encoded=True)
            assert (await client.get(escape)).status in (403, 404)
            assert (await client.get("/static/")).status in (403, 404)


async def test_websocket_takes_the_key_as_its_first_message(stack: ServiceStack) -> None:
    async with gateway_client(stack.web_settings(api_key=KEY)) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            async with client.ws_connect("/ws") as ws:
                await open_session(ws, KEY)
                await ws.send_json({"type": "ping"})
                assert await ws.receive_json() == {"type": "pong"}

            async with client.ws_connect("/ws") as ws:
                assert (await ws.receive_json())["auth_required"] is True
                await ws.send_json({"type": "auth", "key": "wrong"})
                error = await ws.receive_json()
                assert error["stage"] == "auth"
                closing = await ws.receive()
                assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4401

            async with client.ws_connect("/ws") as ws:  # audio before the key
                await ws.receive_json()
                await ws.send_bytes(b"\x00\x00" * 640)
                assert (await ws.receive_json())["stage"] == "auth"
                assert (await ws.receive()).type == aiohttp.WSMsgType.CLOSE

            # Scripts can use the header instead.
            headers = {"Authorization": f"Bearer {KEY}"}
            async with client.ws_connect("/ws", headers=headers) as ws:
                assert await ws.receive_json() == {"type": "hello", "auth_required": False}
                assert await ws.receive_json() == {"type": "ready"}
