"""The in-process llama.cpp engine (llama-cpp-python), run only through a ModelWorker.

The prompt is the model's own chat template with the tools shown natively when it can
(Qwen's `<tool_call>`), else described in the system message. Tool calls are constrained by a
grammar only once the model starts one (see llama_decode). `llama_cpp` is imported when the
model is loaded, never at package import.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wyoming_common.errors import EngineError
from wyoming_common.worker import CancelToken, ModelWorker

from ..errors import ModelLoadError
from .base import ChatMessage, ChatRequest, GenerationStats, TextDelta, Toolbox, ToolCall
from .chat_template import (
    TOOL_CLOSE,
    TOOL_OPEN,
    FormattedPrompt,
    Formatter,
    formatter_for,
    inline_tool_prompt,
    to_template_messages,
)
from .constrained import TokenIndex
from .grammar import build_call_grammar, parse_call
from .llama_decode import CALL_BUDGET, CallText, Decoder, Markers, Sampling
from .model_files import choose_gpu_layers, resolve_model
from .threads import default_threads

_LOGGER = logging.getLogger(__name__)


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
    """A GGUF chat model in this process."""

    name = "llama.cpp"

    def __init__(self, settings: LlamaSettings, worker: ModelWorker) -> None:
        self.settings = settings
        self.worker = worker
        self.last_stats: GenerationStats | None = None
        self.model_path: Path | None = None
        self.gpu_layers = 0
        self.threads = 0
        self._llm: Any = None
        self._formatter: Formatter | None = None
        self._markers = Markers()
        self._index: TokenIndex | None = None
        self._grammars: dict[str, Any] = {}

    async def load(self) -> None:
        """Find (or download) and load the model in the worker thread."""
        await self.worker.run(self._load)
        _LOGGER.info(
            "Loaded %s (context %d, %d threads, %s GPU layers, tools %s)",
            self.model_path,
            self.settings.context_size,
            self.threads,
            "all" if self.gpu_layers < 0 else self.gpu_layers,
            "native" if self.native_tools else "in the prompt",
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
        threads = self.settings.threads or default_threads()
        self.threads = threads
        try:
            llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=self.settings.context_size,
                n_gpu_layers=self.gpu_layers,
                n_threads=threads,
                n_threads_batch=threads,
                seed=self.settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as err:
            raise ModelLoadError(f"--model: cannot load {path}: {err}") from err
        eos, bos = llm.token_eos(), llm.token_bos()
        eos_text = llm._model.token_get_text(eos) if eos >= 0 else ""
        bos_text = llm._model.token_get_text(bos) if bos >= 0 else ""
        self._formatter = formatter_for(dict(llm.metadata), bos_text, eos_text)
        self._markers = _markers(llm) if self._formatter.supports_tools else Markers()
        self._index = TokenIndex(llm)
        self._llm = llm
        self.model_path = path

    @property
    def native_tools(self) -> bool:
        """True when the chat template shows tools and the model calls them with a token."""
        return self._markers.tool_open is not None

    @property
    def metadata(self) -> dict[str, str]:
        """The GGUF metadata (empty before load)."""
        return {} if self._llm is None else dict(self._llm.metadata)

    def format(self, messages: Sequence[ChatMessage], tools: Toolbox | None) -> FormattedPrompt:
        """The prompt text for these messages and the tools the prompt describes."""
        if self._formatter is None:
            raise EngineError("the model is not loaded")
        native = self.native_tools
        shown = list(messages)
        if tools is not None and tools.specs and not native and shown and shown[0].role == "system":
            system = shown[0]
            shown[0] = replace(system, content=f"{system.content}\n{inline_tool_prompt(tools)}")
        template_messages = to_template_messages(shown, native_tools=native)
        shown_tools = tools.compact() if tools is not None and native else None
        return self._formatter(template_messages, shown_tools)

    async def prefill(self, messages: Sequence[ChatMessage], tools: Toolbox | None) -> None:
        """Evaluate a prompt prefix now so the next turn starts from a warm KV cache."""
        request = ChatRequest(tuple(messages), prompt_tools=tools, max_tokens=1, temperature=0.0)
        async with contextlib.aclosing(self.chat(request)) as pieces:
            async for _piece in pieces:
                pass

    async def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        """Stream text; tool calls (parsed from the grammar's JSON) arrive whole."""
        formatted = self.format(request.messages, request.prompt_tools)
        pieces = self.worker.stream(self._generate, formatted, request)
        index = 0
        async with contextlib.aclosing(pieces):  # closing it stops the generation at once
            async for piece in pieces:
                if isinstance(piece, CallText):
                    parsed = parse_call(piece.text)
                    if parsed is None:
                        _LOGGER.warning("Ignoring an unparsable tool call %r", piece.text[:120])
                        continue
                    index += 1
                    yield ToolCall(parsed[0], parsed[1], call_id=f"call_{index}")
                elif piece:
                    yield TextDelta(piece)

    def _grammar(self, toolbox: Toolbox) -> Any:
        key = json.dumps(toolbox.call_schema(), sort_keys=True)
        if key not in self._grammars:
            if len(self._grammars) > 32:
                self._grammars.clear()
            self._grammars[key] = build_call_grammar(toolbox)
        return self._grammars[key]

    def _generate(
        self, formatted: FormattedPrompt, request: ChatRequest, cancel: CancelToken
    ) -> Iterator[str | CallText]:
        llm = self._llm
        if llm is None:
            raise EngineError("the model is not loaded")
        tokens = llm.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True
        )
        limit = self.settings.context_size - max(request.max_tokens, CALL_BUDGET)
        if len(tokens) > limit:
            raise EngineError(
                f"the prompt has {len(tokens)} tokens but only {limit} fit; raise --context-size"
            )
        cached = _common_prefix(list(llm._input_ids[: llm.n_tokens]), tokens)
        stats = GenerationStats(prompt_tokens=len(tokens), cached_tokens=cached)
        self.last_stats = stats
        sampling = Sampling(request.temperature, request.seed or self.settings.seed)
        assert self._index is not None
        decoder = Decoder(
            llm,
            markers=self._markers,
            index=self._index,
            grammar_for=self._grammar,
            stats=stats,
            cancel=cancel,
        )
        started = time.monotonic()
        try:
            yield from decoder.run(tokens, request, sampling, formatted.stop)
        finally:
            if cancel.cancelled:
                stats.extra["cancelled"] = 1.0
            stats.generation_seconds = max(0.0, time.monotonic() - started - stats.prompt_seconds)

    async def wait_idle(self) -> None:
        """Return once a stopped generation has really ended (its stats are final)."""
        await self.worker.run(_nothing)

    async def close(self) -> None:
        """Free the model."""
        llm, self._llm = self._llm, None
        if llm is not None:
            await self.worker.run(llm.close)


def _markers(llm: Any) -> Markers:
    """The tool-call token ids, when `<tool_call>` is a single token of this vocabulary."""
    opened = llm.tokenize(TOOL_OPEN.encode(), add_bos=False, special=True)
    if len(opened) != 1:
        return Markers()
    newline = llm.tokenize(b"\n", add_bos=False, special=True)
    closed = llm.tokenize(f"\n{TOOL_CLOSE}".encode(), add_bos=False, special=True)
    return Markers(
        tool_open=opened[0],
        open_tokens=tuple(newline),
        close_tokens=tuple(closed),
        newline=newline[0] if len(newline) == 1 else None,
    )


def _nothing() -> None:
    return None


def _common_prefix(previous: list[int], tokens: list[int]) -> int:
    count = 0
    for old, new in zip(previous, tokens, strict=False):
        if old != new:
            break
        count += 1
    return count
