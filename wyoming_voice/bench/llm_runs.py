"""The measured runs of `bench llm`: one agent turn, one raw llama-cpp-python completion on
the same prompt, and a fake Home Assistant for tool turns."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wyoming_llm.engines.llama import LlamaEngine
from wyoming_llm.memory import new_conversation_id
from wyoming_llm.prompt import build_messages
from wyoming_llm.runtime import AgentRuntime
from wyoming_llm.turn import TurnRequest


@dataclass
class Sample:
    """One measured turn."""

    kind: str  # open (our open answer), raw (llama-cpp-python), tool (a tool turn)
    text: str
    first_word_s: float
    total_s: float
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    prompt_tps: float = 0.0
    eval_tps: float = 0.0
    handled: bool = True

    @property
    def evaluated(self) -> int:
        """Prompt tokens that were not in the KV cache."""
        return self.prompt_tokens - self.cached_tokens


async def ours(runtime: AgentRuntime, engine: LlamaEngine, text: str, kind: str) -> Sample:
    """One turn through the agent, from a cache holding only the stable prompt prefix."""
    await runtime.agent.warm_up()
    await engine.wait_idle()
    started = time.perf_counter()
    first: list[float] = []

    async def speak(chunk: str) -> None:
        if not first and chunk.strip():
            first.append(time.perf_counter() - started)

    reply = await runtime.agent.converse(TurnRequest(text, new_conversation_id()), speak)
    total = time.perf_counter() - started
    await engine.wait_idle()  # a stopped generation's stats are final
    stats = engine.last_stats
    sample = Sample(kind, text, first[0] if first else total, total, handled=reply.handled)
    if stats is not None:
        sample.prompt_tokens = stats.prompt_tokens
        sample.cached_tokens = stats.cached_tokens
        sample.completion_tokens = stats.completion_tokens
        sample.prompt_tps = stats.prompt_tokens_per_second
        sample.eval_tps = stats.eval_tokens_per_second
    return sample


def _end_tokens(llm: Any, stops: Sequence[str]) -> set[int]:
    """The tokens that end a turn: end of text, and each stop string that is one token."""
    ends = {int(llm.token_eos())}
    for stop in stops:
        pieces = llm.tokenize(stop.encode("utf-8"), add_bos=False, special=True)
        if len(pieces) == 1:
            ends.add(int(pieces[0]))
    return {token for token in ends if token >= 0}


async def raw(runtime: AgentRuntime, engine: LlamaEngine, text: str, tokens: int) -> Sample:
    """llama-cpp-python's own streaming completion of the same prompt, exactly `tokens` long."""
    await runtime.agent.warm_up()
    tools, system = runtime.agent.prompt_prefix()
    formatted = engine.format(build_messages(system, [], text), tools)
    options = runtime.config.agent.generation
    llm: Any = engine._llm

    def complete() -> Sample:
        prompt = llm.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        cached = 0
        for old, new in zip(list(llm._input_ids[: llm.n_tokens]), prompt, strict=False):
            if old != new:
                break
            cached += 1
        started = time.perf_counter()
        first_token = first_word = None
        said, count = "", 0
        # The same amount of work as ours: exactly `tokens` tokens (its sampler picks other
        # words and would often end sooner), so the end-of-turn tokens cannot be sampled.
        stream = llm.create_completion(
            prompt,
            max_tokens=max(1, tokens),
            temperature=options.temperature,
            seed=options.seed or 0,
            logit_bias=dict.fromkeys(_end_tokens(llm, formatted.stop), -1e9),
            stream=True,
        )
        for chunk in stream:
            now = time.perf_counter() - started
            first_token = first_token if first_token is not None else now
            count += 1
            said += chunk["choices"][0]["text"]
            if first_word is None and len(said.split()) >= 2:  # as our speech stream: a
                first_word = now  # word is out once the next one has begun
        total = time.perf_counter() - started
        ttft = first_token or total
        sample = Sample("raw", text, first_word or total, total, len(prompt), cached, count)
        sample.prompt_tps = (len(prompt) - cached) / ttft if ttft else 0.0
        sample.eval_tps = (count - 1) / (total - ttft) if count > 1 and total > ttft else 0.0
        return sample

    result: Sample = await engine.worker.run(complete)
    return result
