"""The llama.cpp engine on the real stories260K GGUF: loading, chat formatting, streaming,
grammar-constrained tool calls, cancellation, history."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from pathlib import Path
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.handle import HandledChunk, HandledStart

from tests.fake_hass import build_default_house
from tests.support.services import running_service, shared_path
from wyoming_common.client import WyomingConnection
from wyoming_common.hass import Area, EntityState
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines.base import ChatMessage, ChatRequest, TextDelta, Toolbox, ToolCall
from wyoming_llm.engines.chat_template import (
    ChatMLFormatter,
    TemplateFormatter,
    to_template_messages,
)
from wyoming_llm.engines.llama import LlamaEngine, LlamaSettings
from wyoming_llm.engines.model_files import choose_gpu_layers, is_hub_id, pick_gguf
from wyoming_llm.engines.threads import default_threads
from wyoming_llm.errors import ModelLoadError
from wyoming_llm.handler import AgentEventHandler
from wyoming_llm.hass.models import ExposedEntity
from wyoming_llm.intents.tools import prompt_toolbox, turn_toolbox
from wyoming_llm.intents.utterance import Utterance
from wyoming_llm.persona import DEFAULT_PERSONA
from wyoming_llm.prompt import build_messages, system_prompt

from .homes import StaticHome
from .hub_server import LocalHub
from .support import config_for, running_runtime

ZEPHYR_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}"
    "{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
NO_SYSTEM_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<start_of_turn>{{ message['role'] }}\n{{ message['content'] }}<end_of_turn>\n"
    "{% endfor %}<start_of_turn>model\n"
)


def demo_home() -> StaticHome:
    """The demo house's exposed entities, as the agent sees them."""
    house = build_default_house()
    entities = [
        ExposedEntity(
            entity_id,
            house.states[entity_id].name,
            tuple(entry.aliases),
            house.area_of(entity_id),
            entry.device_class,
        )
        for entity_id, entry in house.entities.items()
        if house.is_exposed(entity_id)
    ]
    areas = [Area(a.area_id, a.name, a.floor_id, tuple(a.aliases)) for a in house.areas.values()]
    home = StaticHome(entities, areas)
    home.states = {
        e.entity_id: EntityState(
            e.entity_id, house.states[e.entity_id].state, dict(house.states[e.entity_id].attributes)
        )
        for e in entities
    }
    return home


def assert_valid_call(call: ToolCall, toolbox: Toolbox) -> None:
    """The call names a tool of the toolbox and satisfies its strict (grammar) schema."""
    spec = toolbox.get(call.name)
    assert spec is not None and spec.strict_parameters is not None, call
    properties = spec.strict_parameters["properties"]
    assert set(call.arguments) <= set(properties)
    for key, value in call.arguments.items():
        if "enum" in properties[key]:
            assert value in properties[key]["enum"], (key, value)


async def collect(engine: LlamaEngine, request: ChatRequest) -> list[TextDelta | ToolCall]:
    async with asyncio.timeout(30):
        return [piece async for piece in engine.chat(request)]


def test_loads_and_picks_the_fallback_format(stories_engine: LlamaEngine) -> None:
    assert stories_engine.metadata["general.architecture"] == "llama"
    assert "tokenizer.chat_template" not in stories_engine.metadata
    assert isinstance(stories_engine._formatter, ChatMLFormatter)
    assert stories_engine.gpu_layers == 0  # this llama.cpp build has no GPU offload
    # Without --threads: one per usable core (llama-cpp-python's own default is half of them).
    assert stories_engine.threads == default_threads()
    assert stories_engine._llm.context_params.n_threads == default_threads()
    assert stories_engine._llm.context_params.n_threads_batch == default_threads()


def test_gpu_layers_and_model_names() -> None:
    assert choose_gpu_layers(None, gpu_offload=True) == -1
    assert choose_gpu_layers(None, gpu_offload=False) == 0
    assert choose_gpu_layers(20, gpu_offload=True) == 20
    assert choose_gpu_layers(20, gpu_offload=False) == 0
    assert is_hub_id("Qwen/Qwen2.5-1.5B-Instruct-GGUF:qwen2.5-1.5b-instruct-q4_k_m.gguf")
    assert not is_hub_id("./models/x.gguf") and not is_hub_id("/models/x.gguf")
    assert pick_gguf(["a-q8_0.gguf", "a-Q4_K_M.gguf"]) == "a-Q4_K_M.gguf"


def test_chatml_and_gguf_templates() -> None:
    messages = [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Hi"),
        ChatMessage("assistant", "", tool_calls=(ToolCall("get_state", {"entity_id": "x.y"}),)),
        ChatMessage("tool", "x is on"),
    ]
    plain = to_template_messages(messages, native_tools=False)
    assert [m["role"] for m in plain] == ["system", "user", "assistant", "user"]
    assert plain[2]["content"] == '{"name": "get_state", "arguments": {"entity_id": "x.y"}}'
    chatml = ChatMLFormatter()(plain)
    assert chatml.prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>\n")
    assert chatml.prompt.endswith("<|im_start|>assistant\n") and "<|im_end|>" in chatml.stop
    zephyr = TemplateFormatter(ZEPHYR_TEMPLATE, "<s>", "</s>")(plain)
    assert zephyr.prompt.startswith("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>")
    assert zephyr.prompt.endswith("<|assistant|>\n")
    gemma = TemplateFormatter(NO_SYSTEM_TEMPLATE, "<bos>", "<eos>")(plain)
    assert gemma.prompt.startswith("<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>")


async def test_streams_a_one_line_answer(stories_engine: LlamaEngine) -> None:
    messages = build_messages(system_prompt(DEFAULT_PERSONA, None), [], "Tell me about a cat.")
    request = ChatRequest(tuple(messages), max_tokens=60, temperature=0.8, seed=3)
    pieces = await collect(stories_engine, request)
    assert len(pieces) > 5 and all(isinstance(p, TextDelta) for p in pieces)
    text = "".join(p.text for p in pieces if isinstance(p, TextDelta))
    assert text.strip() and not text.lstrip().startswith("{")
    stats = stories_engine.last_stats
    assert stats is not None and 0 < stats.completion_tokens <= 60


@pytest.mark.parametrize("choice", ["required", "auto"])
async def test_tool_calls_always_parse_and_stay_within_the_grammar(
    stories_engine: LlamaEngine, choice: Any
) -> None:
    """Whatever the model wants, a call it writes names only what the words allow."""
    home = demo_home()
    text = "Turn on the kitchen light and unlock the front door"
    tools = prompt_toolbox(home)
    allowed = turn_toolbox(Utterance.of(text), home, tools)
    assert set(allowed.names) == {"HassTurnOn", "HassTurnOff"}
    messages = build_messages(system_prompt(DEFAULT_PERSONA, home), [], text)
    calls = 0
    for seed in range(6):
        request = ChatRequest(
            tuple(messages), allowed, tools, choice, max_tokens=96, temperature=1.0, seed=seed
        )
        pieces = await collect(stories_engine, request)
        tool_calls = [p for p in pieces if isinstance(p, ToolCall)]
        if choice == "required":
            assert len(tool_calls) == 1, pieces
        for call in tool_calls:
            assert_valid_call(call, allowed)
            calls += 1
        if not tool_calls:
            spoken = "".join(p.text for p in pieces if isinstance(p, TextDelta))
            assert "{" not in spoken[:3]  # tool syntax is never spoken
    print(f"\n{choice}: {calls} valid tool calls in 6 generations")


async def _long_generation_seed(engine: LlamaEngine, messages: list[ChatMessage]) -> int:
    """A seed whose answer runs to the token limit (the tiny model often stops early)."""
    for seed in range(30):
        request = ChatRequest(tuple(messages), max_tokens=200, temperature=0.9, seed=seed)
        await collect(engine, request)
        assert engine.last_stats is not None
        if engine.last_stats.completion_tokens == 200:
            return seed
    raise AssertionError("no seed produced a long answer")


async def test_generation_stops_when_the_consumer_stops(stories_engine: LlamaEngine) -> None:
    messages = build_messages(system_prompt(DEFAULT_PERSONA, None), [], "Tell me a long story.")
    seed = await _long_generation_seed(stories_engine, messages)
    request = ChatRequest(tuple(messages), max_tokens=200, temperature=0.9, seed=seed)
    calls_before = stories_engine.worker.calls
    async with asyncio.timeout(30):
        async with contextlib.aclosing(stories_engine.chat(request)) as pieces:
            received = 0
            async for _piece in pieces:
                received += 1
                if received == 3:
                    break
        while stories_engine.worker.calls == calls_before:
            await asyncio.sleep(0.01)
    stats = stories_engine.last_stats
    assert stats is not None and stats.extra.get("cancelled") == 1.0
    assert stats.completion_tokens < 200
    print(f"\nconsumer stopped: generation ended after {stats.completion_tokens} of 200 tokens")


async def test_generation_stops_when_the_client_disconnects(
    stories_engine: LlamaEngine, tmp_path: Path
) -> None:
    config = config_for(tmp_path, "--max-sentences", "100", "--max-tokens", "400")
    async with running_runtime(config, engine=stories_engine) as runtime:
        factory = functools.partial(AgentEventHandler, agent=runtime.agent, info=runtime.info)
        async with running_service(factory, service="llm") as server:
            calls_before = stories_engine.worker.calls
            async with WyomingConnection(server.uri, read_timeout=10) as connection:
                await connection.write(Transcript(text="Tell me a long story.").event())
                start = await connection.read()
                chunk = await connection.read()
                assert start is not None and HandledStart.is_type(start.type)
                assert chunk is not None and HandledChunk.is_type(chunk.type)
            async with asyncio.timeout(10):
                while stories_engine.worker.calls == calls_before:
                    await asyncio.sleep(0.01)
    stats = stories_engine.last_stats
    assert stats is not None and stats.extra.get("cancelled") == 1.0
    assert stats.completion_tokens < 400
    print(f"\nstopped after {stats.completion_tokens} of 400 tokens")


async def test_history_reuses_the_prompt_prefix_and_expires(
    stories_engine: LlamaEngine, tmp_path: Path
) -> None:
    now = [1000.0]
    config = config_for(tmp_path, "--max-tokens", "20")
    async with running_runtime(config, engine=stories_engine, monotonic=lambda: now[0]) as runtime:
        memory = runtime.agent.memory
        replies = []
        for text in ("My name is Ada.", "What is my name?"):
            chunks: list[str] = []

            async def speak(chunk: str, chunks: list[str] = chunks) -> None:
                chunks.append(chunk)

            from wyoming_llm.turn import TurnRequest

            async with asyncio.timeout(30):
                reply = await runtime.agent.converse(TurnRequest(text, "conv-1"), speak)
            replies.append(reply)
            now[0] += 60
        history = memory.open("conv-1").exchanges
        assert [e.user for e in history] == ["My name is Ada.", "What is my name?"]
        assert history[0].assistant == replies[0].text
        stats = stories_engine.last_stats
        assert stats is not None
        # The second prompt starts with the first turn's prompt: llama.cpp reused it.
        assert stats.cached_tokens > stats.prompt_tokens // 2
        now[0] += 301
        assert memory.open("conv-1").exchanges == []


async def test_hub_models_are_downloaded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = shared_path("models", "llm", "stories260K.gguf")
    files = {"stories260K-q8_0.gguf": model, "stories260K-f32.gguf": model}
    async with LocalHub({"tiny/stories-GGUF": files}) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        for _ in range(2):
            settings = LlamaSettings("tiny/stories-GGUF", download_dir=tmp_path, context_size=256)
            engine = LlamaEngine(settings, ModelWorker("llm-hub"))
            async with asyncio.timeout(60):
                await engine.load()
                await engine.close()
            assert engine.model_path is not None and engine.model_path.name.endswith("q8_0.gguf")
        assert hub.downloads == ["stories260K-q8_0.gguf"]
        missing = LlamaEngine(LlamaSettings("tiny/absent-GGUF:x.gguf"), ModelWorker("llm-hub"))
        with pytest.raises(ModelLoadError, match=r"^--model: cannot download"):
            async with asyncio.timeout(60):
                await missing.load()
