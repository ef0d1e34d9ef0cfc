"""An OpenAI-compatible chat server (Ollama, llama.cpp's server, vLLM, LocalAI …) as engine,
using its native tool calling and streaming (server-sent events)."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ..errors import ChatEngineError
from .base import ChatMessage, ChatRequest, GenerationStats, TextDelta, Toolbox, ToolCall
from .grammar import CallSplitter

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenAISettings:
    """Where the server is and which model to ask."""

    url: str  # http://host:11434 or http://host:11434/v1
    model: str
    api_key: str | None = field(default=None, repr=False)
    request_timeout: float = 60.0

    @property
    def endpoint(self) -> str:
        """The chat completions URL."""
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if not base.endswith("/v1"):
            base += "/v1"
        return base + "/chat/completions"


def to_openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Our messages in the OpenAI chat shape (tool calls and tool results included)."""
    result: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": call.call_id or f"call_{index}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for index, call in enumerate(message.tool_calls)
            ]
        if message.role == "tool":
            item["tool_call_id"] = message.tool_call_id or "call_0"
        result.append(item)
    return result


class OpenAIEngine:
    """Chat through /v1/chat/completions with `stream: true` and `tools`."""

    name = "openai"

    def __init__(self, settings: OpenAISettings, session: aiohttp.ClientSession | None = None):
        self.settings = settings
        self._session = session
        self._own_session = session is None
        self.last_stats: GenerationStats | None = None

    def __repr__(self) -> str:  # the API key never appears in logs
        return f"OpenAIEngine({self.settings.endpoint!r}, model={self.settings.model!r})"

    async def load(self) -> None:
        """Create the HTTP session (the server may come up later; turns then say so)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        _LOGGER.info("Chat engine: %s model %s", self.settings.endpoint, self.settings.model)

    async def prefill(self, messages: Sequence[ChatMessage], tools: Toolbox | None) -> None:
        """Ask for one token of this prefix, so a server that keeps a prompt cache (llama.cpp's,
        vLLM's) has evaluated it before the first turn; a server that is not up is no error."""
        request = ChatRequest(tuple(messages), prompt_tools=tools, max_tokens=1, temperature=0.0)
        try:
            async with contextlib.aclosing(self.chat(request)) as pieces:
                async for _piece in pieces:
                    pass
        except ChatEngineError as err:
            _LOGGER.info("Could not warm up %s: %s", self.settings.endpoint, err)

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": to_openai_messages(request.messages),
            "stream": True,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        tools = request.prompt_tools or request.toolbox
        if tools is not None and tools.specs:
            # The same tools every turn (the server's prompt cache); when no call is allowed
            # the agent drops any the server still returns.
            body["tools"] = tools.openai_tools()
            body["tool_choice"] = request.tool_choice if request.tools_allowed else "none"
        return body

    async def chat(self, request: ChatRequest) -> AsyncGenerator[TextDelta | ToolCall, None]:
        """POST the request and stream its deltas; tool calls are yielded when complete."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Accept": "text/event-stream"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=5.0, sock_read=self.settings.request_timeout
        )
        stats = GenerationStats()
        self.last_stats = stats
        started = time.monotonic()
        calls: dict[int, dict[str, str]] = {}
        splitter = CallSplitter()
        try:
            async with self._session.post(
                self.settings.endpoint, json=self._body(request), headers=headers, timeout=timeout
            ) as response:
                if response.status != 200:
                    detail = (await response.text())[:200]
                    raise ChatEngineError(
                        f"{self.settings.endpoint} answered HTTP {response.status}: {detail}"
                    )
                async for choice in _choices(response):
                    delta = choice.get("delta") or choice.get("message") or {}
                    if stats.completion_tokens == 0:
                        stats.prompt_seconds = time.monotonic() - started
                    stats.completion_tokens += 1
                    if delta.get("content"):
                        text = splitter.feed(str(delta["content"]))
                        if text:
                            yield TextDelta(text)
                    for call in delta.get("tool_calls") or ():
                        _merge_call(calls, call)
        except aiohttp.ClientError as err:
            raise ChatEngineError(f"cannot reach {self.settings.endpoint}: {err}") from err
        except TimeoutError as err:
            raise ChatEngineError(f"{self.settings.endpoint} stopped answering") from err
        stats.generation_seconds = time.monotonic() - started - stats.prompt_seconds
        held, written = splitter.finish()
        if held:
            yield TextDelta(held)
        for number, (name, arguments) in enumerate(written):
            yield ToolCall(name, arguments, call_id=f"text_call_{number}")
        for index in sorted(calls):
            call = calls[index]
            try:
                arguments = json.loads(call["arguments"] or "{}")
            except ValueError:
                _LOGGER.warning("Ignoring a tool call with invalid JSON arguments")
                continue
            if isinstance(arguments, dict) and call["name"]:
                yield ToolCall(call["name"], arguments, call_id=call["id"])

    async def close(self) -> None:
        """Close the session we created."""
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None


def _merge_call(calls: dict[int, dict[str, str]], delta: dict[str, Any]) -> None:
    """Accumulate a streamed tool call fragment (name and arguments arrive in pieces)."""
    index = int(delta.get("index", len(calls)))
    call = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
    call["id"] = str(delta.get("id") or call["id"] or f"call_{index}")
    function = delta.get("function") or {}
    call["name"] += str(function.get("name") or "")
    arguments = function.get("arguments")
    if isinstance(arguments, dict):  # some servers send parsed objects
        call["arguments"] = json.dumps(arguments)
    elif arguments:
        call["arguments"] += str(arguments)


async def _choices(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    """First choice of each SSE `data:` event (or of a plain JSON body)."""
    if "text/event-stream" not in response.headers.get("Content-Type", ""):
        body = await response.json(content_type=None)
        for choice in (body or {}).get("choices", [])[:1]:
            yield choice
        return
    async for raw in response.content:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            payload = json.loads(data)
        except ValueError:
            continue
        if payload.get("error"):
            raise ChatEngineError(f"the chat server reported: {payload['error']}")
        for choice in payload.get("choices", [])[:1]:
            yield choice
