"""`bench pipeline --ha-url`: the client side of HA's `assist_pipeline/run`, against a small
aiohttp server that speaks that part of HA's websocket API (HA_CONTRACT §11)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import WSMsgType, web

from wyoming_common.audio import AudioFormat, wav_bytes
from wyoming_voice.ha_assist import bench_home_assistant

from .harness import command_clip
from .wyoming_services import speech_audio

pytestmark = pytest.mark.timeout(30)

TOKEN = "secret"


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_json({"type": "auth_required"})
    auth = await ws.receive_json()
    if auth.get("access_token") != TOKEN:
        await ws.send_json({"type": "auth_invalid"})
        return ws
    await ws.send_json({"type": "auth_ok"})
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        run = message.json()
        assert run["type"] == "assist_pipeline/run" and run["start_stage"] == "stt"
        msg_id = run["id"]

        async def event(
            kind: str, data: dict[str, object] | None = None, msg_id: int = msg_id
        ) -> None:
            await ws.send_json(
                {"id": msg_id, "type": "event", "event": {"type": kind, "data": data or {}}}
            )

        await ws.send_json({"id": msg_id, "type": "result", "success": True, "result": None})
        await event("run-start", {"runner_data": {"stt_binary_handler_id": 7, "timeout": 300}})
        received = 0
        while True:
            frame = await ws.receive()
            assert frame.type == WSMsgType.BINARY and frame.data[0] == 7
            if len(frame.data) == 1:
                break
            received += len(frame.data) - 1
        assert received > 32000
        await event("stt-end", {"stt_output": {"text": "turn on the kitchen lights"}})
        await asyncio.sleep(0.01)
        await event("intent-end", {"intent_output": {"response": {}}})
        await event("tts-end", {"tts_output": {"url": f"/api/tts_proxy/{msg_id}.wav"}})
        await event("run-end")
    return ws


async def tts_proxy(request: web.Request) -> web.Response:
    audio = wav_bytes(speech_audio("Turned on the kitchen lights"), AudioFormat(22050, 2, 1))
    return web.Response(body=audio, content_type="audio/wav")


@pytest.fixture
async def ha_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/api/websocket", websocket)
    app.router.add_get("/api/tts_proxy/{name}", tts_proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_home_assistant_stage_timings(ha_url: str) -> None:
    files = [command_clip(), command_clip("turn_on_the_tv")]
    samples, failures = await asyncio.wait_for(bench_home_assistant(ha_url, TOKEN, files), 20)
    assert failures == 0
    assert {key: len(values) for key, values in samples.items()} == {
        "stt": 2,
        "agent": 2,
        "tts": 2,
        "first_audio": 2,
    }
    assert all(a >= s for a, s in zip(samples["first_audio"], samples["stt"], strict=True))
