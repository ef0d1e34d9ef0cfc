"""`POST /api/interact` (spoken command in, spoken reply out) and `POST /api/ask` (text in).

The reply is a WAV with the texts and timings in headers, or JSON with `?format=json`.
Header values are UTF-8, percent-encoded where they are not printable ASCII (decode with
`urllib.parse.unquote` or JavaScript's `decodeURIComponent`).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from voice_pipeline.audio_io import ReplyCollector, stream_pcm
from voice_pipeline.types import PipelineResult
from wyoming_common.audio import STT_FORMAT, wav_bytes
from wyoming_common.errors import BadRequestError

from .audio_body import command_pcm
from .errors import UnsupportedMediaTypeError
from .gateway import GATEWAY_KEY, respond_typed

MAX_TEXT_CHARS = 2000
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def header_text(text: str) -> str:
    """A latin-1-safe header value: printable ASCII as is, everything else percent-encoded."""
    return quote(text, safe=_HEADER_SAFE)


def _conversation_id(request: web.Request) -> str | None:
    value = request.query.get("conversation_id") or request.headers.get("X-Conversation-Id")
    return value.strip()[:200] or None if value else None


def _wants_json(request: web.Request) -> bool:
    return request.query.get("format", "").lower() == "json"


def _timings(result: PipelineResult) -> dict[str, float | None]:
    return {k: None if v is None else round(v, 4) for k, v in result.timings.as_dict().items()}


def reply_response(
    request: web.Request, result: PipelineResult, collector: ReplyCollector
) -> web.Response:
    """The turn's answer: WAV + headers, or JSON."""
    audio = wav_bytes(bytes(collector.audio), collector.fmt) if collector.fmt is not None else None
    if _wants_json(request):
        body: dict[str, Any] = {
            "transcript": result.transcript,
            "reply": result.reply,
            "conversation_id": result.conversation_id,
            "handled": result.handled,
            "timings": _timings(result),
            "audio": None,
        }
        if audio is not None and collector.fmt is not None:
            body["audio"] = {
                "format": "wav",
                "rate": collector.fmt.rate,
                "width": collector.fmt.width,
                "channels": collector.fmt.channels,
                "seconds": round(result.audio_seconds, 3),
                "base64": base64.b64encode(audio).decode("ascii"),
            }
        return web.json_response(body)
    headers = {
        "X-Transcript": header_text(result.transcript),
        "X-Reply": header_text(result.reply),
        "X-Conversation-Id": header_text(result.conversation_id or ""),
        "X-Handled": "true" if result.handled else "false",
        "X-Timings": json.dumps(_timings(result), separators=(",", ":")),
        "X-Audio-Seconds": f"{result.audio_seconds:.3f}",
    }
    if audio is None:  # nothing was heard, or nothing to say: an empty but valid WAV
        audio = wav_bytes(b"", STT_FORMAT)
    return web.Response(body=audio, content_type="audio/wav", headers=headers)


async def _body(request: web.Request) -> bytes:
    limit = request.app[GATEWAY_KEY].settings.max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    return await request.read()  # aiohttp enforces client_max_size on chunked bodies too


async def interact(request: web.Request) -> web.Response:
    """Spoken command (WAV or raw PCM) → transcript, reply text and reply audio."""
    gateway = request.app[GATEWAY_KEY]
    pcm = command_pcm(await _body(request), request.headers.get("Content-Type"))
    pipeline = await gateway.pipeline(_conversation_id(request))
    collector = ReplyCollector()
    result = await gateway.run_turn(pipeline.run(stream_pcm(pcm), collector), "interact")
    return reply_response(request, result, collector)


TEXT_TYPES = ("application/json", "text/plain")


async def _request_text(request: web.Request) -> str:
    if request.content_type not in TEXT_TYPES:
        raise UnsupportedMediaTypeError(
            f"unsupported content type {request.headers.get('Content-Type', '(none)')!r}: send "
            'application/json {"text": "..."} or text/plain'
        )
    body = await _body(request)
    if request.content_type == "application/json":
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadRequestError(f"invalid JSON: {err}") from err
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str):
            raise BadRequestError('expected {"text": "..."}')
    else:
        try:
            text = body.decode(request.charset or "utf-8")
        except (LookupError, UnicodeDecodeError) as err:
            raise BadRequestError(f"the text is not valid {request.charset or 'utf-8'}") from err
    return request_text(text)


def request_text(text: str) -> str:
    """A typed request as the agent gets it (HTTP and WebSocket alike): stripped, not empty,
    at most MAX_TEXT_CHARS; BadRequestError otherwise."""
    text = text.strip()
    if not text:
        raise BadRequestError("no text to ask")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequestError(f"the text is longer than {MAX_TEXT_CHARS} characters")
    return text


async def ask(request: web.Request) -> web.Response:
    """Typed request (JSON {"text": ...} or text/plain) → reply text and reply audio."""
    gateway = request.app[GATEWAY_KEY]
    text = await _request_text(request)
    pipeline = await gateway.pipeline(_conversation_id(request))
    collector = ReplyCollector()
    result = await gateway.run_turn(respond_typed(pipeline, text, collector), "ask")
    return reply_response(request, result, collector)
