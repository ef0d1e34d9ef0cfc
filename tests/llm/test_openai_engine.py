"""The OpenAI-compatible engine against a local server speaking /v1/chat/completions."""

from __future__ import annotations

import time
from pathlib import Path

from tests.fake_hass import FakeHomeAssistant
from wyoming_common.worker import ModelWorker
from wyoming_llm.agent import ENGINE_DOWN_TEXT
from wyoming_llm.engines.openai import OpenAIEngine, OpenAISettings
from wyoming_llm.runtime import build_engine

from .openai_server import OpenAICompatibleServer, Reply, content_chunks, tool_call_chunks
from .support import ask, config_for, running_runtime


def openai_config(tmp_path: Path, url: str, hass_url: str | None = None, *extra: str):  # type: ignore[no-untyped-def]
    key = tmp_path / "api-key"
    key.write_text("sk-local-123\n", encoding="utf-8")
    return config_for(
        tmp_path,
        "--openai-url", url, "--openai-model", "qwen2.5:3b", "--openai-api-key-file", str(key),
        *extra,
        hass_url=hass_url,
    )  # fmt: skip


async def test_tool_call_acts_and_speaks_the_verified_result(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    replies = [Reply(tool_call_chunks("turn_on", {"entity_id": "light.kitchen"}))]
    async with OpenAICompatibleServer(replies) as server:
        config = openai_config(tmp_path, server.url, hass.url)
        engine = build_engine(config, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, chunks = await ask(runtime, "could you make the kitchen bright")
    assert hass.house.get_state("light.kitchen").state == "on"
    assert reply.text == "Kitchen Lights is now on." and "".join(chunks) == reply.text
    body = server.requests[0]
    assert body["model"] == "qwen2.5:3b" and body["stream"] is True
    assert body["tool_choice"] == "auto"
    tools = {tool["function"]["name"]: tool["function"] for tool in body["tools"]}
    entity_enum = tools["turn_on"]["parameters"]["properties"]["entity_id"]["enum"]
    assert "light.kitchen" in entity_enum and "switch.coffee_maker" not in entity_enum
    assert body["messages"][0]["role"] == "system"
    assert (
        "light.kitchen: Kitchen Lights (also Kitchen), in Kitchen" in body["messages"][0]["content"]
    )
    assert server.headers[0]["Authorization"] == "Bearer sk-local-123"


async def test_query_round_then_streamed_answer(hass: FakeHomeAssistant, tmp_path: Path) -> None:
    replies = [
        Reply(tool_call_chunks("get_state", {"entity_id": "climate.ecobee"}, "call_7")),
        Reply(content_chunks("It is ", "21.5 degrees ", "in the living room. ", "Cosy!")),
    ]
    async with OpenAICompatibleServer(replies) as server:
        config = openai_config(tmp_path, server.url, hass.url)
        engine = build_engine(config, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, chunks = await ask(runtime, "is it cosy enough for a film night?")
    assert reply.text == "It is 21.5 degrees in the living room. Cosy!"
    assert len(chunks) >= 3
    second = server.requests[1]["messages"]
    assert second[-2]["role"] == "assistant"
    assert second[-2]["tool_calls"][0]["function"]["name"] == "get_state"
    assert second[-1] == {
        "role": "tool",
        "content": "EcoBee is set to heat at 21.5 degrees",
        "tool_call_id": "call_7",
    }
    assert hass.service_calls == []


async def test_answers_are_cut_to_a_few_sentences(tmp_path: Path) -> None:
    story = [f"Sentence number {n}. " for n in range(10)]
    async with OpenAICompatibleServer([Reply(content_chunks(*story))]) as server:
        config = openai_config(tmp_path, server.url, None, "--max-sentences", "2")
        engine = build_engine(config, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, _ = await ask(runtime, "tell me a story")
    assert reply.text == "Sentence number 0. Sentence number 1."
    assert "tools" not in server.requests[0]  # no Home Assistant: nothing to call


async def test_plain_json_reply_and_markdown_cleanup(tmp_path: Path) -> None:
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "**Hi** there!"}}]}
    async with OpenAICompatibleServer([Reply(body=body)]) as server:
        engine = OpenAIEngine(OpenAISettings(server.url + "/v1", "m"))
        config = config_for(tmp_path)
        async with running_runtime(config, engine=engine) as runtime:
            reply, _ = await ask(runtime, "hello")
    assert reply.text == "Hi there!"


async def test_server_errors_are_spoken(tmp_path: Path) -> None:
    async with OpenAICompatibleServer([Reply(status=500)]) as server:
        config = openai_config(tmp_path, server.url)
        engine = build_engine(config, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, _ = await ask(runtime, "hello")
    assert reply.text == ENGINE_DOWN_TEXT
    url = server.url  # now closed: connection refused
    config = openai_config(tmp_path, url)
    engine = build_engine(config, ModelWorker("unused"))
    async with running_runtime(config, engine=engine) as runtime:
        began = time.perf_counter()
        reply, _ = await ask(runtime, "hello")
    assert reply.text == ENGINE_DOWN_TEXT and time.perf_counter() - began < 6
