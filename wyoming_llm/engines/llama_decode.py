"""Token-level decoding for the llama.cpp engine (runs in the worker thread).

Answers are sampled freely (no grammar: every constrained token costs time); only once the
model starts a tool call (its `<tool_call>` token, or JSON as text) does decoding restart from
that point under a grammar over the allowed calls. The prompt's KV cache makes the restart
cheap. When no call is allowed, the call token is banned for the first token only.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from wyoming_common.worker import CancelToken

from .base import ChatRequest, GenerationStats, Toolbox
from .constrained import ChoiceDecoder, TokenIndex, call_texts
from .grammar import looks_like_a_call

CALL_BUDGET = 160  # tokens for one call's JSON
_UNDECIDED = ("json", "```", "<tool_call", "[")


@dataclass(frozen=True)
class CallText:
    """A tool call's JSON as the model wrote it under the grammar."""

    text: str


@dataclass(frozen=True)
class Markers:
    """Token ids of the template's tool-call syntax (None/empty when it has none)."""

    tool_open: int | None = None
    open_tokens: tuple[int, ...] = ()  # after <tool_call>: "\n"
    close_tokens: tuple[int, ...] = ()  # "\n</tool_call>"
    newline: int | None = None


@dataclass
class Sampling:
    """The sampling settings of raw llama-cpp-python's completion (compared in benchmarks)."""

    temperature: float
    seed: int

    def kwargs(self, temperature: float | None = None) -> dict[str, Any]:
        """Keyword arguments for `Llama.generate`."""
        temp = self.temperature if temperature is None else temperature
        return {"temp": temp, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.0}


class Decoder:
    """One generation: text, or tool calls, or text then tool calls."""

    def __init__(
        self,
        llm: Any,
        *,
        markers: Markers,
        index: TokenIndex,
        grammar_for: Callable[[Toolbox], Any],
        stats: GenerationStats,
        cancel: CancelToken,
    ) -> None:
        self.llm = llm
        self.markers = markers
        self.index = index
        self.grammar_for = grammar_for
        self.stats = stats
        self.cancel = cancel
        self._started = time.monotonic()

    def _eog(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self.llm._model.vocab, token))

    def _tokens(self, prompt: list[int], sampling: Sampling, **kwargs: Any) -> Iterator[int]:
        """Sampled tokens after prompt until end of generation (the caller stops early)."""
        generator = self.llm.generate(prompt, **sampling.kwargs(kwargs.pop("temp", None)), **kwargs)
        try:
            for token in generator:
                if self.stats.completion_tokens == 0 and self.stats.prompt_seconds == 0:
                    self.stats.prompt_seconds = time.monotonic() - self._started
                if self._eog(token) or self.cancel.cancelled:
                    return
                self.stats.completion_tokens += 1
                yield token
        finally:
            generator.close()

    def run(
        self, prompt: list[int], request: ChatRequest, sampling: Sampling, stop: tuple[str, ...]
    ) -> Iterator[str | CallText]:
        """Text pieces and call texts for the request."""
        self.llm.set_seed(sampling.seed)
        allowed = request.tools_allowed
        if allowed and request.tool_choice == "required":  # a call, straight away
            if self.markers.tool_open is not None:
                opened = [*prompt, self.markers.tool_open, *self.markers.open_tokens]
                yield from self._calls(opened, request, sampling, native=True)
            else:
                yield from self._calls(prompt, request, sampling, native=False)
            return
        first = self._first_token(prompt, sampling, allowed)
        if first is None:
            return
        if first == self.markers.tool_open:
            if allowed:
                opened = [*prompt, first, *self.markers.open_tokens]
                yield from self._calls(opened, request, sampling, native=True)
            return
        yield from self._text(prompt, first, request, sampling, stop)

    def _first_token(self, prompt: list[int], sampling: Sampling, allowed: bool) -> int | None:
        """The answer's first token; when no call is allowed, never one that starts a call."""
        processors = None
        if not allowed:
            import llama_cpp
            import numpy as np

            banned = sorted(self.index.call_starts | {self.markers.tool_open or 0} - {0})

            def ban(_ids: Any, scores: Any) -> Any:
                scores[banned] = -np.inf
                return scores

            processors = llama_cpp.LogitsProcessorList([ban])
        return next(iter(self._tokens(prompt, sampling, logits_processor=processors)), None)

    def _text(
        self,
        prompt: list[int],
        first: int,
        request: ChatRequest,
        sampling: Sampling,
        stop: tuple[str, ...],
    ) -> Iterator[str | CallText]:
        """Stream the answer; a call written as text (or opened after it) goes to `_calls`."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text, sent, released = "", 0, False
        out = [first]
        stream = self._tokens([*prompt, first], sampling)
        token: int | None = first
        while token is not None:
            if token == self.markers.tool_open:
                if request.tools_allowed:
                    opened = [*prompt, *out, *self.markers.open_tokens]
                    yield from self._calls(opened, request, sampling, native=True)
                return
            text += decoder.decode(self.llm.detokenize([token]))
            cut = min((text.find(s) for s in stop if s in text), default=-1)
            if cut >= 0:
                text = text[:cut]
            if not released:
                stripped = text.lstrip()
                if stripped and not any(m.startswith(stripped) for m in _UNDECIDED):
                    if looks_like_a_call(stripped):
                        if request.tools_allowed:
                            yield from self._calls(prompt, request, sampling, native=False)
                        return
                    released, sent = True, len(text) - len(stripped)
            if released and len(text) > sent:
                yield text[sent:]
                sent = len(text)
            if cut >= 0 or len(out) >= request.max_tokens:
                return
            token = next(stream, None)
            if token is not None:
                out.append(token)
        text += decoder.decode(b"", final=True)
        if not released and text.strip() and not looks_like_a_call(text):
            sent = len(text) - len(text.lstrip())
        if len(text) > sent and (released or not looks_like_a_call(text)):
            yield text[sent:]

    def _calls(
        self, base: list[int], request: ChatRequest, sampling: Sampling, *, native: bool
    ) -> Iterator[CallText]:
        """One grammar-constrained call after base; with a native template, more calls while
        the model opens another `<tool_call>` (up to request.max_calls)."""
        assert request.toolbox is not None
        texts = call_texts(request.toolbox)
        for index in range(max(1, request.max_calls)):
            out = self._one_call(base, request.toolbox, texts, sampling)
            if out is None:
                return
            yield CallText(self.llm.detokenize(out).decode("utf-8", "replace"))
            if not native or index + 1 >= request.max_calls or not out:
                return
            base = [*base, *out, *self.markers.close_tokens]
            if not self._opens_another(base):
                return
            base = [
                *base,
                self.markers.newline or 0,
                self.markers.tool_open or 0,
                *self.markers.open_tokens,
            ]

    def _one_call(
        self, base: list[int], toolbox: Toolbox, texts: list[bytes] | None, sampling: Sampling
    ) -> list[int] | None:
        """One call's tokens: chosen among the allowed call texts, else under a grammar."""
        if texts:
            chosen = ChoiceDecoder(self.llm, self.index, self.stats, self.cancel).decode(
                base, texts
            )
            return None if chosen is None else chosen[1]
        out: list[int] = []
        grammar = self.grammar_for(toolbox)
        for token in self._tokens(base, sampling, temp=0.0, grammar=grammar):
            out.append(token)
            if len(out) >= CALL_BUDGET:
                break
        return out

    def _opens_another(self, base: list[int]) -> bool:
        """True when the model's next tokens after a call are a new `<tool_call>`."""
        seen: list[int] = []
        for token in self._tokens(base, Sampling(0.0, 0), temp=0.0):
            seen.append(token)
            if token != self.markers.newline or len(seen) >= 2:
                break
        return seen[-1:] == [self.markers.tool_open] and seen[:1] == [self.markers.newline]
