"""The agent with a real model (Qwen2.5-Coder 0.5B Instruct, the small real-model set): its
own chat template and tool calls through the Wyoming server against the fake Home Assistant,
and the OpenAI-compatible engine against a real OpenAI-compatible server (llama-cpp-python's
`llama_cpp.server` serving the same GGUF). A handful of turns each: CI has 2 cores."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.fake_hass import FakeHomeAssistant
from tests.fake_hass.testing import free_port
from tests.support.real_models import model_path
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines import build_engine
from wyoming_llm.engines.llama import LlamaEngine, LlamaSettings

from .support import agent_server, config_for, running_runtime, say

pytestmark = [pytest.mark.real_models, pytest.mark.timeout(900)]
TURN = 180.0  # seconds a turn may take on a busy 2-core CPU


@pytest.fixture(scope="module")
def qwen() -> Iterator[LlamaEngine]:
    """Qwen 0.5B, loaded once for the module."""
    settings = LlamaSettings(str(model_path("qwen_0_5b")), context_size=4096)
    engine = LlamaEngine(settings, ModelWorker("llm"))
    asyncio.run(asyncio.wait_for(engine.load(), 300))
    yield engine
    asyncio.run(asyncio.wait_for(engine.close(), 60))


def changed(hass: FakeHomeAssistant) -> list[str]:
    """Entities a service call reached."""
    return sorted({e for call in hass.service_calls for e in call.entity_ids})


async def test_qwen_acts_through_home_assistant_and_chats_without_acting(
    hass: FakeHomeAssistant, qwen: LlamaEngine, tmp_path: Path
) -> None:
    config = config_for(tmp_path, "--turn-timeout", "300", hass_url=hass.url)
    async with running_runtime(config, engine=qwen, start_timeout=600) as runtime:
        async with agent_server(runtime) as server:
            off = await say(server.uri, "I'd like the standing lamp switched off", timeout=TURN)
            assert changed(hass) == ["light.office_standing"]
            joke = await say(server.uri, "Tell me a joke", timeout=TURN)
            test = await say(server.uri, "this is a test", timeout=TURN)
            asked = await say(server.uri, "is the standing lamp still on?", timeout=TURN)
    assert off.handled and off.text == "Turned off Standing Light."
    assert hass.house.get_state("light.office_standing").state == "off"
    assert joke.handled and joke.text and joke.streamed == joke.text
    assert "{" not in joke.text and "tool" not in joke.text.casefold()
    assert test.text and "{" not in test.text
    assert changed(hass) == ["light.office_standing"]  # small talk acted on nothing
    assert "off" in asked.text.casefold() or asked.text.startswith("No")
    print(f"\nQwen 0.5B: {off.text!r} / {joke.text!r} / {test.text!r} / {asked.text!r}")


@contextlib.asynccontextmanager
async def llama_cpp_server(model: Path, log: Path) -> AsyncIterator[str]:
    """`python -m llama_cpp.server` serving model on a free loopback port: yields its URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
             "--n_threads", str(os.cpu_count() or 2)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as session:
                for _attempt in range(1200):
                    assert process.poll() is None, log.read_text(errors="replace")[-2000:]
                    with contextlib.suppress(aiohttp.ClientError):
                        async with session.get(f"{url}/v1/models") as response:
                            if response.status == 200:
                                break
                    await asyncio.sleep(0.25)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # busy in a generation: no need to be gentle
                process.kill()
                process.wait(timeout=10)


async def test_openai_engine_against_a_real_openai_compatible_server(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    """Streaming and tool calls through llama-cpp-python's own OpenAI-compatible server."""
    model = model_path("qwen_0_5b")
    async with llama_cpp_server(model, tmp_path / "server.log") as url:
        config = config_for(
            tmp_path,
            "--openai-url", url, "--openai-model", "qwen", "--turn-timeout", "300",
            "--max-tool-rounds", "0",
            hass_url=hass.url,
        )  # fmt: skip
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
        async with running_runtime(config, engine=engine, start_timeout=600) as runtime:
            async with agent_server(runtime) as server:
                off = await say(server.uri, "I'd like the standing lamp switched off", timeout=TURN)
                joke = await say(server.uri, "Tell me a joke", timeout=TURN)
    assert off.handled and off.text == "Turned off Standing Light.", off
    assert hass.house.get_state("light.office_standing").state == "off"
    assert joke.handled and joke.streamed == joke.text and "{" not in joke.text
    assert changed(hass) == ["light.office_standing"]
    print(f"\nllama_cpp.server: {off.text!r} / {joke.text!r}")
