"""POST /api/interact and /api/ask against the real STT, agent and TTS on loopback."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from tests.support.stack import ServiceStack
from wyoming_common.audio import AudioFormat, convert_pcm, read_wav_bytes, wav_bytes
from wyoming_voice.bench.stt_scoring import word_errors
from wyoming_web.http_api import header_text

from .support import HTTP_TIMEOUT, Client, command_pcm, gateway_client

pytestmark = pytest.mark.timeout(90)

COMMAND = "turn on the kitchen lights"


def assert_heard(transcript: str) -> None:
    edits, _words = word_errors(COMMAND, transcript)
    assert edits <= 1, f"heard {transcript!r}"


async def test_spoken_command_switches_the_light_and_answers_with_a_wav(
    stack: ServiceStack,
    client: Client,
    command_wav: Path,
) -> None:
    stack.turn_off("light.kitchen")
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            "/api/interact",
            data=command_wav.read_bytes(),
            headers={"Content-Type": "audio/wav"},
        )
        assert response.status == 200, await response.text()
        body = await response.read()
    assert response.content_type == "audio/wav"
    assert_heard(unquote(response.headers["X-Transcript"]))
    assert unquote(response.headers["X-Reply"]).strip()
    assert response.headers["X-Handled"] == "true"
    conversation_id = response.headers["X-Conversation-Id"]
    assert conversation_id
    timings = json.loads(response.headers["X-Timings"])
    assert set(timings) >= {"stt", "agent_first", "agent", "tts_first", "first_audio", "total"}
    assert 0 < timings["stt"] <= timings["first_audio"] <= timings["total"]
    pcm, fmt = read_wav_bytes(body)
    assert fmt.seconds(len(pcm)) > 0.3
    assert float(response.headers["X-Audio-Seconds"]) == pytest.approx(
        fmt.seconds(len(pcm)), abs=0.001
    )
    assert stack.state("light.kitchen") == "on"

    # A follow-up continues the conversation.
    async with asyncio.timeout(HTTP_TIMEOUT):
        follow_up = await client.post(
            f"/api/ask?conversation_id={conversation_id}",
            json={"text": "turn off the kitchen lights"},
        )
        assert follow_up.status == 200
    assert follow_up.headers["X-Conversation-Id"] == conversation_id
    assert stack.state("light.kitchen") == "off"


async def test_json_answer_for_a_stereo_44k_upload(
    client: Client,
    command_wav: Path,
) -> None:
    stereo = AudioFormat(44100, 2, 2)
    upload = wav_bytes(
        convert_pcm(command_pcm(command_wav), AudioFormat(16000, 2, 1), stereo), stereo
    )
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            "/api/interact?format=json",
            data=upload,
            headers={"Content-Type": "audio/x-wav", "X-Conversation-Id": "web-test-json"},
        )
        assert response.status == 200, await response.text()
        body = await response.json()
    assert_heard(body["transcript"])
    assert body["reply"]
    assert body["handled"] is True
    assert body["conversation_id"] == "web-test-json"
    assert body["timings"]["first_audio"] > 0
    audio = body["audio"]
    pcm, fmt = read_wav_bytes(base64.b64decode(audio["base64"]))
    assert (fmt.rate, fmt.width, fmt.channels) == (audio["rate"], audio["width"], audio["channels"])
    assert fmt.seconds(len(pcm)) == pytest.approx(audio["seconds"], abs=0.01)
    assert audio["seconds"] > 0.3


@pytest.mark.parametrize(
    ("content_type", "big_endian"),
    [("audio/L16;rate=16000;channels=1", True), ("audio/pcm; rate=16000; channels=1", False)],
)
async def test_raw_pcm_in_the_format_its_content_type_names(
    client: Client,
    command_wav: Path,
    content_type: str,
    big_endian: bool,
) -> None:
    pcm = command_pcm(command_wav)
    if big_endian:
        pcm = np.frombuffer(pcm, dtype="<i2").astype(">i2").tobytes()
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            "/api/interact?format=json", data=pcm, headers={"Content-Type": content_type}
        )
        assert response.status == 200, await response.text()
        assert_heard((await response.json())["transcript"])


async def test_ask_takes_json_or_plain_text_and_keeps_headers_latin1_safe(
    stack: ServiceStack,
    client: Client,
) -> None:
    stack.turn_off("light.kitchen")
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post("/api/ask", json={"text": COMMAND})
        assert response.status == 200, await response.text()
        body = await response.read()
    assert response.content_type == "audio/wav"
    assert unquote(response.headers["X-Transcript"]) == COMMAND
    timings = json.loads(response.headers["X-Timings"])
    assert (
        timings["stt"] is None and 0 < timings["agent"] < timings["first_audio"] <= timings["total"]
    )
    pcm, fmt = read_wav_bytes(body)
    assert fmt.seconds(len(pcm)) > 0.3
    assert stack.state("light.kitchen") == "on"

    question = "wie spät ist es im Café?"  # not latin-1 encodable as a header as is
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(
            "/api/ask",
            data=question.encode(),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
        assert response.status == 200, await response.text()
    assert response.headers["X-Transcript"] == header_text(question)
    assert response.headers["X-Transcript"].isascii()
    assert unquote(response.headers["X-Transcript"]) == question
    assert unquote(response.headers["X-Reply"])  # the agent says it cannot answer


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "reason"),
    [
        ("/api/interact", b"RIFF\x10\x00\x00\x00WAVEjunk", "audio/wav", 400, "not a PCM WAV"),
        ("/api/interact", b"", "audio/wav", 400, "no body"),
        ("/api/interact", b"\x00" * 32000, "audio/L16", 400, "rate="),
        ("/api/interact", b"\x00" * 32000, "audio/ogg", 415, "unsupported content type"),
        ("/api/ask", b"   ", "text/plain", 400, "no text"),
        ("/api/ask", b'{"question": "hi"}', "application/json", 400, '{"text"'),
    ],
)
async def test_bad_requests_say_why(
    client: Client,
    path: str,
    body: bytes,
    content_type: str,
    status: int,
    reason: str,
) -> None:
    async with asyncio.timeout(HTTP_TIMEOUT):
        response = await client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status == status
        error = await response.json()
    assert reason in error["error"]
    assert error["stage"] == "input"


async def test_uploads_over_the_limit_get_413(stack: ServiceStack) -> None:
    settings = stack.web_settings(max_upload_mb=1 / 16)
    upload = wav_bytes(b"\x00" * 100_000, AudioFormat(16000, 2, 1))

    async def chunked() -> AsyncIterator[bytes]:
        for i in range(0, len(upload), 8192):
            yield upload[i : i + 8192]

    async with gateway_client(settings) as client, asyncio.timeout(HTTP_TIMEOUT):
        sized = await client.post(
            "/api/interact", data=upload, headers={"Content-Type": "audio/wav"}
        )
        assert sized.status == 413
        assert "larger than" in (await sized.json())["error"]
        streamed = await client.post(
            "/api/interact", data=chunked(), headers={"Content-Type": "audio/wav"}
        )
        assert streamed.status == 413
