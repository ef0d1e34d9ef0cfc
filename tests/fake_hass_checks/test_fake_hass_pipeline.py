"""`assist_pipeline/run` on the fake, over real websocket and Wyoming connections (§11)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import wave
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from wyoming.asr import Transcript
from wyoming.handle import Handled

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import (
    SttHandler,
    TtsHandler,
    agent_server,
    connect_ws,
    wyoming_server,
)
from tests.fake_hass_checks.conftest import TOKEN
from tests.fake_hass_checks.test_fake_hass_2026 import AGENT_INFO, TTS_INFO
from tests.fake_hass_checks.test_fake_hass_flows import ASR_INFO
from wyoming_voice.ha_assist import bench_home_assistant

pytestmark = pytest.mark.asyncio

SPOKEN = "turn on the kitchen lights"
PCM = bytes(range(256)) * 250  # 2 s of 16 kHz 16-bit mono "audio"


async def add(hass: FakeHomeAssistant, port: int) -> None:
    form = hass.flows.start_flow("wyoming")
    result = await hass.flows.submit(form["flow_id"], {"host": "127.0.0.1", "port": port})
    assert result["type"] == "create_entry", result


@contextlib.asynccontextmanager
async def voice_services(
    hass: FakeHomeAssistant, heard_audio: list[bytes], heard_text: list[Transcript]
) -> AsyncIterator[dict[str, Any]]:
    """STT, agent and TTS added to the fake, and a pipeline of them, preferred."""

    def text_for(audio: bytes) -> str:
        heard_audio.append(audio)
        return SPOKEN

    def reply(transcript: Transcript) -> list[Any]:
        return [Handled(f"Done: {transcript.text}").event()]

    async with contextlib.AsyncExitStack() as stack:
        for server in (
            wyoming_server(partial(SttHandler, ASR_INFO, text_for)),
            agent_server(AGENT_INFO, reply, heard_text),
            wyoming_server(partial(TtsHandler, TTS_INFO)),
        ):
            await add(hass, await stack.enter_async_context(server))
        pipeline = hass.pipelines.create(
            {
                "name": "ours",
                "language": "en",
                "conversation_engine": "conversation.test_agent",
                "conversation_language": "en",
                "stt_engine": "stt.faster_whisper",
                "stt_language": "en",
                "tts_engine": "tts.test_tts",
                "tts_language": "en_US",
                "tts_voice": "en_US-test",
                "wake_word_entity": None,
                "wake_word_id": None,
            }
        )
        hass.pipelines.set_preferred(pipeline["id"])
        yield pipeline


async def run_events(client: Any, **request: Any) -> list[dict[str, Any]]:
    msg_id = await client.send("assist_pipeline/run", **request)
    events = []
    while True:
        message = await client.receive()
        assert message["id"] == msg_id
        if message["type"] == "result":
            assert message["success"], message
            continue
        event = message["event"]
        events.append(event)
        if event["type"] == "run-start" and request["start_stage"] == "stt":
            prefix = bytes([event["data"]["runner_data"]["stt_binary_handler_id"]])
            for i in range(0, len(PCM), 1024):
                await client.ws.send_bytes(prefix + PCM[i : i + 1024])
            await client.ws.send_bytes(prefix)
        if event["type"] == "run-end":
            return events


async def test_a_whole_run_from_audio_to_reply_audio(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    heard_audio: list[bytes] = []
    heard_text: list[Transcript] = []
    async with asyncio.timeout(10), voice_services(hass, heard_audio, heard_text):
        async with connect_ws(hass, http) as client:
            events = await run_events(
                client, start_stage="stt", end_stage="tts", input={"sample_rate": 16000}
            )
        kinds = [e["type"] for e in events]
        assert kinds == [
            "run-start",
            "stt-start",
            "stt-vad-start",
            "stt-vad-end",
            "stt-end",
            "intent-start",
            "intent-end",
            "tts-start",
            "tts-end",
            "run-end",
        ]
        data = {e["type"]: e["data"] for e in events}
        assert heard_audio == [PCM]
        assert data["stt-end"]["stt_output"]["text"] == SPOKEN
        assert [t.text for t in heard_text] == [SPOKEN]
        response = data["intent-end"]["intent_output"]["response"]
        assert response["response_type"] == "action_done"
        assert response["speech"]["plain"]["speech"] == f"Done: {SPOKEN}"
        assert data["tts-start"]["tts_input"] == f"Done: {SPOKEN}"
        url = data["tts-end"]["tts_output"]["url"]
        async with aiohttp.ClientSession() as anonymous, anonymous.get(hass.url + url) as r:
            assert r.status == 200
            audio = await r.read()
    with wave.open(io.BytesIO(audio)) as wav:
        words = len(f"Done: {SPOKEN}".split())
        assert wav.getframerate() == 22050 and wav.getnframes() == 2205 * words


async def test_a_text_run_and_a_missing_service(
    hass: FakeHomeAssistant, http: aiohttp.ClientSession
) -> None:
    async with asyncio.timeout(10), connect_ws(hass, http) as client:
        name = hass.house.states["light.kitchen"].name
        events = await run_events(
            client, start_stage="intent", end_stage="intent", input={"text": f"turn on {name}"}
        )
        assert [e["type"] for e in events] == ["run-start", "intent-start", "intent-end", "run-end"]
        assert hass.house.states["light.kitchen"].state == "on"
        async with voice_services(hass, [], []):
            pass  # the services are gone again, their entries stay
        events = await run_events(
            client, start_stage="stt", end_stage="tts", input={"sample_rate": 16000}
        )
        error = next(e for e in events if e["type"] == "error")
        assert error["data"]["code"] == "stt-stream-failed"
        assert events[-1]["type"] == "run-end"
        bad = await client.command("assist_pipeline/run", start_stage="tts", end_stage="stt")
        assert bad["error"]["code"] == "invalid_format"


async def test_bench_through_the_fake(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    clip = tmp_path / "command.wav"
    with wave.open(str(clip), "wb") as wav:
        wav.setframerate(16000), wav.setsampwidth(2), wav.setnchannels(1)
        wav.writeframes(PCM)
    async with asyncio.timeout(20), voice_services(hass, [], []):
        samples, failures = await bench_home_assistant(hass.url, TOKEN, [clip, clip])
    assert failures == 0
    assert {key: len(values) for key, values in samples.items()} == {
        "stt": 2,
        "agent": 2,
        "tts": 2,
        "first_audio": 2,
    }
    assert all(value >= 0 for values in samples.values() for value in values)
