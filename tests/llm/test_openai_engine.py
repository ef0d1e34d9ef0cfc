"""The OpenAI-compatible engine against a local server speaking /v1/chat/completions."""

from __future__ import annotations

import time
from pathlib import Path

from tests.fake_hass import FakeHomeAssistant
from wyoming_common.worker import ModelWorker
from wyoming_llm.agent import ENGINE_DOWN_TEXT
from wyoming_llm.engines import build_engine
from wyoming_llm.engines.openai import OpenAIEngine, OpenAISettings

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
    replies = [Reply(tool_call_chunks("HassTurnOn", {"name": "Kitchen Lights"}))]
    async with OpenAICompatibleServer(replies) as server:
        config = openai_config(tmp_path, server.url, hass.url)
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, chunks = await ask(runtime, "I'd like the kitchen lights switched on")
    assert hass.house.get_state("light.kitchen").state == "on"
    assert reply.handled and reply.text == "Turned on Kitchen Lights."
    assert "".join(chunks) == reply.text
    body = server.requests[0]
    assert body["model"] == "qwen2.5:3b" and body["stream"] is True
    assert body["tool_choice"] == "auto"
    tools = {tool["function"]["name"]: tool["function"] for tool in body["tools"]}
    assert {"HassTurnOn", "HassTurnOff", "HassGetState"} <= set(tools)
    assert tools["HassTurnOn"]["parameters"]["properties"]["name"]["type"] == "string"
    system = body["messages"][0]["content"]
    assert "- Kitchen Lights, Kitchen: light, Kitchen" in system and "Coffee" not in system
    assert server.headers[0]["Authorization"] == "Bearer sk-local-123"
    # At start the agent asked for one token of the stable prefix (the server's prompt cache).
    assert server.warm_ups and server.warm_ups[0]["messages"] == body["messages"][:1]


async def test_a_call_naming_nothing_known_is_fed_back_once(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    replies = [
        Reply(tool_call_chunks("HassTurnOff", {"name": "Standing Lamp"}, "call_7")),
        Reply(tool_call_chunks("HassTurnOff", {"name": "Standing Light"}, "call_8")),
    ]
    async with OpenAICompatibleServer(replies) as server:
        config = openai_config(tmp_path, server.url, hass.url)
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, _ = await ask(runtime, "switch the standing lamp off please")
    assert reply.handled and reply.text == "Turned off Standing Light."
    second = server.requests[1]["messages"]
    assert second[-2]["role"] == "assistant"
    assert second[-2]["tool_calls"][0]["function"]["name"] == "HassTurnOff"
    assert second[-1] == {
        "role": "tool",
        "content": "Sorry, I am not aware of any device called Standing Lamp.",
        "tool_call_id": "call_7",
    }


async def test_calls_the_words_do_not_support_are_not_made(
    hass: FakeHomeAssistant, tmp_path: Path
) -> None:
    """Small talk gets no tools; a call the server sends anyway is dropped, not spoken."""
    replies = [
        Reply(tool_call_chunks("HassTurnOn", {"name": "Bed Light"})),
        Reply(content_chunks('{"name": "HassTurnOn", "arguments": {"name": "Bed Light"}}')),
    ]
    async with OpenAICompatibleServer(replies) as server:
        config = openai_config(tmp_path, server.url, hass.url)
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            first, chunks = await ask(runtime, "Who are you?")
            second, more = await ask(runtime, "Tell me a joke")
    assert server.requests[0]["tool_choice"] == "none"
    assert hass.service_calls == []
    for reply in (first, second):
        assert not reply.handled and "{" not in reply.text
    assert chunks == [] and more == []


async def test_answers_are_cut_to_a_few_sentences(tmp_path: Path) -> None:
    story = [f"Sentence number {n}. " for n in range(10)]
    async with OpenAICompatibleServer([Reply(content_chunks(*story))]) as server:
        config = openai_config(tmp_path, server.url, None, "--max-sentences", "2")
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
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
        engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
        async with running_runtime(config, engine=engine) as runtime:
            reply, _ = await ask(runtime, "hello")
    assert reply.text == ENGINE_DOWN_TEXT
    url = server.url  # now closed: connection refused
    config = openai_config(tmp_path, url)
    engine = build_engine(config.llama, config.openai, ModelWorker("unused"))
    async with running_runtime(config, engine=engine) as runtime:
        began = time.perf_counter()
        reply, _ = await ask(runtime, "hello")
    assert reply.text == ENGINE_DOWN_TEXT and time.perf_counter() - began < 6
