"""/health, /metrics, and what a client sees when a service is down."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fake_hass.testing import free_port
from tests.support.stack import ServiceStack
from voice_pipeline.endpoints import EndpointSettings

from .support import HTTP_TIMEOUT, Client, gateway_client
from .ws_client import open_session, read_turn

pytestmark = pytest.mark.timeout(60)
TEXT = {"Content-Type": "text/plain"}


def closed_uri() -> str:
    """A loopback port where nothing listens."""
    return f"tcp://127.0.0.1:{free_port()}"


async def test_health_describes_every_service(client: Client) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.get("/health")
        assert response.status == 200
        body = await response.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"stt", "agent", "tts"}
    for service in body["services"].values():
        assert service["ok"] is True and service["program"] and service["seconds"] < 2
    services = body["services"]
    assert services["stt"]["engine"] == "pocketsphinx"  # from the program's description
    assert services["tts"]["engine"] == "espeak-ng"
    assert services["tts"]["model_count"] > len(services["tts"]["models"]) == 3
    assert services["agent"]["home_control"] is True
    assert body["home"] == "connected"


async def test_a_service_down_gives_503_naming_the_stage(
    stack: ServiceStack, command_wav: Path
) -> None:
    services = EndpointSettings(
        stt_uri=closed_uri(), agent_uri=stack.agent_uri, tts_uri=stack.tts_uri
    )
    async with gateway_client(stack.web_settings(services=services)) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            health = await client.get("/health")
            assert health.status == 503
            body = await health.json()
            assert body["status"] == "unavailable"
            assert body["services"]["stt"]["ok"] is False
            assert body["services"]["agent"]["ok"] is True

            response = await client.post(
                "/api/interact",
                data=command_wav.read_bytes(),
                headers={"Content-Type": "audio/wav"},
            )
            assert response.status == 503
            error = await response.json()
            assert error["stage"] == "stt" and "cannot connect" in error["error"]

            async with client.ws_connect("/ws") as ws:
                await open_session(ws)
                await ws.send_bytes(b"\x00\x00" * 1600)
                await ws.send_json({"type": "end"})
                turn = await read_turn(ws)
                assert turn.one("error")["stage"] == "stt"
                assert turn.order[-1] == "done"


async def test_tts_down_still_acts_then_reports_the_tts(stack: ServiceStack) -> None:
    services = EndpointSettings(
        stt_uri=stack.stt_uri, agent_uri=stack.agent_uri, tts_uri=closed_uri()
    )
    stack.turn_off("light.kitchen")
    async with gateway_client(stack.web_settings(services=services)) as client:
        async with asyncio.timeout(HTTP_TIMEOUT):
            response = await client.post("/api/ask", json={"text": "turn on the kitchen lights"})
            assert response.status == 503
            assert (await response.json())["stage"] == "tts"
    assert stack.state("light.kitchen") == "on"


async def test_metrics_count_requests_and_stage_latencies(
    client: Client,
) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        assert (await client.post("/api/ask", json={"text": "what time is it"})).status == 200
        assert (await client.post("/api/ask", data=b"", headers=TEXT)).status == 400
        response = await client.get("/metrics")
        assert response.status == 200
        text = await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'wyoming_voice_web_requests_total{route="/api/ask",status="200"} 1' in text
    assert 'wyoming_voice_web_requests_total{route="/api/ask",status="400"} 1' in text
    assert 'wyoming_voice_web_turns_total{kind="ask"} 1' in text
    assert 'wyoming_voice_web_stage_seconds_count{stage="agent"} 1' in text


async def test_latency_history_has_each_turns_stages(client: Client) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        empty = await client.get("/api/latency")
        assert (await empty.json()) == {"turns": []}
        for _ in range(2):
            response = await client.post("/api/ask", json={"text": "what time is it"})
            assert response.status == 200
        turns = (await (await client.get("/api/latency")).json())["turns"]
    assert [turn["kind"] for turn in turns] == ["ask", "ask"]
    for turn in turns:
        assert turn["stt"] is None  # typed: no STT, but timed from the request
        assert 0 < turn["agent"] <= turn["first_audio"] <= turn["total"]
        assert "text" not in turn and "transcript" not in turn  # numbers only
