"""The in-process llama.cpp engine (llama-cpp-python), run only through a ModelWorker.

`llama_cpp` is imported when the model is loaded, never at package import.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming_common.errors import EngineError
from wyoming_common.worker import CancelToken, ModelWorker

from ..errors import ModelLoadError
from ..tools import ToolCall
from .base import ChatMessage, ChatRequest, GenerationStats, TextDelta
from .chat_template import FormattedPrompt, Formatter, formatter_for, to_template_messages
from .grammar import build_grammar, parse_tool_json
from .model_files import choose_gpu_layers, resolve_model

_LOGGER = logging.getLogger(__name__)
TOOL_CALL_TOKENS = 192  # room for a complete JSON call even with a poor tokenizer


@dataclass(frozen=True)
class LlamaSettings:
    """How to load the GGUF model."""

    model: str  # a path, or a hub id (owner/repo[:file.gguf])
    download_dir: Path | None = None
    n_gpu_layers: int | None = None  # None: auto
    context_size: int = 4096
    threads: int | None = None
    seed: int = 0


class LlamaEngine:
    """A GGUF chat model; tool calls are chosen through a grammar over the toolbox schema."""

    name = "llama.cpp"
    inline_tools = True

    def __init__(self, settings: LlamaSettings, worker: ModelWorker) -> None:
        self.settings = settings
        self.worker = worker
        self.last_stats: GenerationStats | None = None
        self.model_path: Path | None = None
        self.gpu_layers = 0
        self._llm: Any = None
        self._formatter: Formatter | None = None
        self._grammars: dict[tuple[str, str], Any] = {}

    async def load(self) -> None:
        """Find (or download) and load the model in the worker thread."""
        await self.worker.run(self._load)
        _LOGGER.info(
            "Loaded %s (context %d, %s GPU layers)",
            self.model_path,
            self.settings.context_size,
            "all" if self.gpu_layers < 0 else self.gpu_layers,
        )

    def _load(self) -> None:
        try:
            import llama_cpp
        except ImportError as err:
            raise ModelLoadError(
                "--model: llama-cpp-python is not installed (pip install 'wyoming-voice[llm]')"
            ) from err
        path = resolve_model(self.settings.model, self.settings.download_dir)
        self.gpu_layers = choose_gpu_layers(
            self.settings.n_gpu_layers, bool(llama_cpp.llama_supports_gpu_offload())
        )
        try:
            llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=self.settings.context_size,
                n_gpu_layers=self.gpu_layers,
                n_threads=self.settings.threads,
                seed=self.settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as err:
            raise ModelLoadError(f"--model: cannot load {path}: {err}") from err
        eos, bos = llm.token_eos(), llm.token_bos()
        eos_text = llm._model.token_get_text(eos) if eos >= 0 else ""
        bos_text = llm._model.token_get_text(bos) if bos >= 0 else ""
        self._formatter = formatter_for(dict(llm.metadata), bos_text, eos_text)
        self._llm = llm
        self.model_path = path

    @property
    def metadata(self) -> dict[str, str]:
        """The GGUF metadata (empty before load)."""
        return {} if self._llm is None else dict(self._llm.metadata)

    def format(self, messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> FormattedPrompt:
        """The prompt text for these messages."""
        if self._formatter is None:
            raise EngineError("the model is not loaded")
        return self._formatter(to_template_messages(messages))

    async def prefill(self, messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> None:
        """Evaluate a prompt prefix now so the next turn starts from a warm KV cache."""
        formatted = self.format(messages)
        request = ChatRequest(tuple(messages), max_tokens=1, temperature=0.0)
        async with contextlib.aclosing(self._stream(formatted, request)) as pieces:
            async for _piece in pieces:
                pass

    async def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        """Stream text; a reply starting with "{" is collected and parsed as a tool call."""
        formatted = self.format(request.messages)
        buffer, mode = "", ""
        pieces = self._stream(formatted, request)
        async with contextlib.aclosing(pieces):  # closing it stops the generation at once
            async for piece in pieces:
                text = str(piece)
                if mode == "text":
                    yield TextDelta(text)
                    continue
                buffer += text
                if mode == "" and buffer.strip():
                    mode = "tool" if buffer.lstrip().startswith("{") else "text"
                    if mode == "text":
                        yield TextDelta(buffer.lstrip())
        if mode == "tool":
            parsed = parse_tool_json(buffer)
            if parsed is None:
                _LOGGER.warning("The model's tool call was cut off or invalid; ignoring it")
                return
            yield ToolCall(parsed[0], parsed[1], call_id=f"call_{int(time.monotonic() * 1000)}")

    def _stream(
        self, formatted: FormattedPrompt, request: ChatRequest
    ) -> AsyncGenerator[str, None]:
        # Closing the generator sets the CancelToken that stops llama.cpp.
        return self.worker.stream(self._generate, formatted, request)

    def _grammar(self, request: ChatRequest) -> Any:
        schema = json.dumps(request.toolbox.call_schema()) if request.toolbox else ""
        key = (schema, request.tool_choice)
        if key not in self._grammars:
            if len(self._grammars) > 8:
                self._grammars.clear()
            self._grammars[key] = build_grammar(request.toolbox, request.tool_choice)
        return self._grammars[key]

    def _generate(
        self, formatted: FormattedPrompt, request: ChatRequest, cancel: CancelToken
    ) -> Iterator[str]:
        llm = self._llm
        if llm is None:
            raise EngineError("the model is not loaded")
        tokens = llm.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        limit = self.settings.context_size - _token_budget(request)
        if len(tokens) > limit:
            raise EngineError(
                f"the prompt has {len(tokens)} tokens but only {limit} fit; raise --context-size"
            )
        cached = _common_prefix(list(llm._input_ids), tokens)
        stats = GenerationStats(prompt_tokens=len(tokens), cached_tokens=cached)
        self.last_stats = stats
        grammar = self._grammar(request) if request.max_tokens > 1 else None
        started = time.monotonic()
        first: float | None = None
        stream = llm.create_completion(
            tokens,
            max_tokens=_token_budget(request),
            temperature=request.temperature,
            stop=list(formatted.stop),
            stream=True,
            grammar=grammar,
            seed=request.seed if request.seed is not None else self.settings.seed,
        )
        try:
            for chunk in stream:
                if first is None:
                    first = time.monotonic()
                    stats.prompt_seconds = first - started
                choice = chunk["choices"][0]
                if choice.get("finish_reason") is None:
                    stats.completion_tokens += 1
                text = choice["text"]
                if text:
                    yield text
                if cancel.cancelled:
                    break
        finally:
            stream.close()
            if cancel.cancelled:
                stats.extra["cancelled"] = 1.0
            if first is not None:
                stats.generation_seconds = time.monotonic() - first
            else:
                stats.prompt_seconds = time.monotonic() - started

    async def wait_idle(self) -> None:
        """Return once a stopped generation has really ended (its stats are final)."""
        await self.worker.run(_nothing)

    async def reset_cache(self) -> None:
        """Forget the evaluated prompt, so the next turn starts cold (for benchmarks)."""
        if self._llm is not None:
            await self.worker.run(self._llm.reset)

    async def close(self) -> None:
        """Free the model."""
        llm, self._llm = self._llm, None
        if llm is not None:
            await self.worker.run(llm.close)


def _nothing() -> None:
    return None


def _token_budget(request: ChatRequest) -> int:
    """max_tokens, but never so few that a tool call's JSON is cut off."""
    if request.toolbox is not None and request.toolbox.specs and request.tool_choice != "none":
        return max(request.max_tokens, TOOL_CALL_TOKENS)
    return request.max_tokens


def _common_prefix(previous: list[int], tokens: list[int]) -> int:
    count = 0
    for old, new in zip(previous, tokens, strict=False):
        if old != new:
            break
        count += 1
    return count
