"""The gateway against misbehaving services and oversized input: every turn still ends with
`error` + `done`, HTTP answers stay JSON, and describes are not repeated for every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from tests.support.services import not_wyoming_server
from tests.support.stack import ServiceStack
from voice_pipeline.endpoints import EndpointSettings
from wyoming_web.http_api import MAX_TEXT_CHARS
from wyoming_web.status import HEALTH_KEY

from .support import HTTP_TIMEOUT, gateway_client
from .ws_client import open_session, read_turn

pytestmark = pytest.mark.timeout(90)


@contextlib.asynccontextmanager
async def counting_relay(uri: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A TCP relay in front of a service; yields its URI and one entry per connection."""
    target = urlsplit(uri)
    connections: list[str] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append("connection")
        up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        yield f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}", connections
    finally:
        server.close()
        await server.wait_closed()


async def test_a_service_that_is_not_wyoming_ends_turns_with_error_and_done(
    stack: ServiceStack,
) -> None:
    async with not_wyoming_server() as bad:
        services = EndpointSettings(stt_uri=stack.stt_uri, agent_uri=bad, tts_uri=stack.tts_uri)
        async with gateway_client(stack.web_settings(services=services)) as client:
            async with asyncio.timeout(HTTP_TIMEOUT):
                async with client.ws_connect("/ws") as ws:
                    await open_session(ws)
                    await ws.send_json({"type": "text", "text": "what time is it"})
                    turn = await read_turn(ws)
                    assert turn.order[-2:] == ["error", "done"], turn.order
                    assert turn.one("error")["stage"] in ("agent", "gateway")
                    await ws.send_json({"type": "ping"})  # the socket still serves
                    assert await ws.receive_json() == {"type": "pong"}

                response = await client.post("/api/ask", json={"text": "what time is it"})
                assert response.status in (502, 503)
                assert response.content_type == "application/json"
                body = await response.json()
                assert body["error"] and body["stage"] in ("agent", "gateway")

                health = await client.get("/health")
                assert health.status == 503
                assert (await health.json())["services"]["agent"]["ok"] is False


async def test_typed_text_over_the_socket_has_the_http_cap(stack: ServiceStack) -> None:
    async with gateway_client(stack.web_settings()) as client:
        async with asyncio.timeout(HTTP_TIMEOUT), client.ws_connect("/ws") as ws:
            await open_session(ws)
            await ws.send_json({"type": "text", "text": "a" * (MAX_TEXT_CHARS + 1)})
            error = await ws.receive_json()
            assert error == {
                "type": "error",
                "stage": "input",
                "message": f"the text is longer than {MAX_TEXT_CHARS} characters",
            }
            await ws.send_json({"type": "text", "text": "   "})
            assert (await ws.receive_json())["message"] == "no text to ask"
            await ws.send_json({"type": "ping"})  # no turn was started
            assert await ws.receive_json() == {"type": "pong"}


async def test_requests_do_not_describe_the_services_again(stack: ServiceStack) -> None:
    """One describe per service for all requests and sockets (until a stage fails)."""
    stack.turn_off("light.kitchen")
    async with counting_relay(stack.agent_uri) as (agent, connections):
        services = EndpointSettings(stt_uri=stack.stt_uri, agent_uri=agent, tts_uri=stack.tts_uri)
        async with gateway_client(stack.web_settings(services=services)) as client:
            async with asyncio.timeout(HTTP_TIMEOUT * 2):
                for _ in range(2):
                    response = await client.post(
                        "/api/ask?format=json", json={"text": "turn on the kitchen lights"}
                    )
                    assert response.status == 200, await response.text()
                async with client.ws_connect("/ws") as ws:
                    await open_session(ws)
                    await ws.send_json({"type": "text", "text": "turn off the kitchen lights"})
                    assert (await read_turn(ws)).order[-1] == "done"
    assert len(connections) == 1 + 3  # one describe, then one connection per turn


async def test_health_is_probed_at_most_once_a_second(stack: ServiceStack) -> None:
    async with gateway_client(stack.web_settings()) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            answers = await asyncio.gather(*(client.get("/health") for _ in range(10)))
            assert {a.status for a in answers} == {200}
            assert client.app is not None and client.app[HEALTH_KEY].probes == 1
            await asyncio.sleep(1.1)
            assert (await client.get("/health")).status == 200
            assert client.app[HEALTH_KEY].probes == 2
