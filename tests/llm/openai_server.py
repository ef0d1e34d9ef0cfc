"""A small local server speaking the OpenAI /v1/chat/completions shape (streaming SSE with
content and tool_call deltas, or plain JSON), replaying scripted replies and recording the
requests it got."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web


def content_chunks(*pieces: str) -> list[dict[str, Any]]:
    """SSE payloads streaming text pieces, then a stop."""
    chunks = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    return [*chunks, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]


def tool_call_chunks(
    name: str, arguments: dict[str, Any], call_id: str = "call_1"
) -> list[dict[str, Any]]:
    """SSE payloads streaming one tool call, its arguments split in three pieces."""
    text = json.dumps(arguments)
    third = max(1, len(text) // 3)
    parts = [text[:third], text[third : 2 * third], text[2 * third :]]
    first = {
        "index": 0,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [first]}}]}]
    for part in parts:
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}
        chunks.append({"choices": [{"index": 0, "delta": delta}]})
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return chunks


@dataclass
class Reply:
    """One scripted answer: SSE chunks, a JSON body, or an HTTP error."""

    chunks: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] | None = None
    status: int = 200


class OpenAICompatibleServer:
    """`async with OpenAICompatibleServer([...replies]) as server:` → `server.url`."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.warm_ups: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> OpenAICompatibleServer:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if body.get("max_tokens") == 1:  # the agent warming the server's prompt cache
            self.warm_ups.append(body)
            return web.json_response({"choices": [{"index": 0, "message": {"content": ""}}]})
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        reply = self.replies.pop(0) if self.replies else Reply(chunks=content_chunks("Okay."))
        if reply.status != 200:
            return web.json_response({"error": {"message": "boom"}}, status=reply.status)
        if reply.body is not None or not body.get("stream"):
            return web.json_response(reply.body or {})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for chunk in reply.chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
