"""`GET /ws`: one browser (or script) streaming voice turns over a WebSocket.

Client → server: binary frames of 16 kHz mono 16-bit little-endian PCM (the first frame
after a finished turn starts a new one), then `{"type": "end"}`; or
`{"type": "text", "text": ...}`; `{"type": "cancel"}` stops the current turn,
`{"type": "reset"}` starts a new conversation, `{"type": "vad"}` lets the server end the
current (or next) spoken turn at the pause after speech (Silero VAD), `{"type": "ping"}` →
`pong`. With an API key
the first message must be `{"type": "auth", "key": ...}` (or the upgrade request carries
`Authorization: Bearer KEY`).

Server → client: `hello {auth_required}`, `ready`, then per turn (each with `turn`: its
number) `end_of_speech`, `transcript`, `reply_chunk`*, `reply`, `audio_start {rate, width,
channels}`, binary reply audio as it is synthesized, `audio_stop`, `timings`, `error {stage,
message}` and always last `done {conversation_id, handled, cancelled}`. Typed text is
stripped and at most 2000 characters (as `POST /api/ask`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from voice_pipeline.conversation import ConversationTracker
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineListener, PipelineResult
from wyoming_common.audio import STT_FORMAT, AudioFormat
from wyoming_common.errors import BadRequestError

from .endpointing import ServerEndpointing
from .gateway import GATEWAY_KEY, Gateway, error_message, respond_typed
from .http_api import request_text
from .ws_turn import SocketTurn

_LOGGER = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0
MAX_MESSAGE_BYTES = 1024 * 1024
CLOSE_UNAUTHORIZED = 4401  # application close code: the key was missing or wrong

Work = Callable[[VoicePipeline, "_SocketListener"], Awaitable[PipelineResult]]


class _SocketListener(PipelineListener):
    """Pipeline callbacks → WebSocket messages tagged with the turn number."""

    def __init__(self, session: BrowserSession, turn: SocketTurn) -> None:
        self.session = session
        self.turn = turn
        self.fmt: AudioFormat | None = None

    async def _send(self, kind: str, **fields: Any) -> None:
        await self.session.send({"type": kind, "turn": self.turn.number, **fields})

    async def on_end_of_speech(self) -> None:
        await self._send("end_of_speech")

    async def on_transcript(self, text: str) -> None:
        await self._send("transcript", text=text)

    async def on_reply_chunk(self, text: str) -> None:
        await self._send("reply_chunk", text=text)

    async def on_reply(self, text: str) -> None:
        await self._send("reply", text=text)

    async def on_audio_start(self, fmt: AudioFormat) -> None:
        self.fmt = fmt
        await self._send("audio_start", rate=fmt.rate, width=fmt.width, channels=fmt.channels)

    async def on_audio(self, audio: bytes, fmt: AudioFormat) -> None:
        if fmt != self.fmt:  # a TTS may change format between sentences
            await self.on_audio_start(fmt)
        await self.session.send_bytes(audio)

    async def on_audio_stop(self) -> None:
        await self._send("audio_stop")


class BrowserSession:
    """State of one socket: authorisation, the current turn, the conversation."""

    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse, *, authorized: bool) -> None:
        self.gateway = gateway
        self.ws = ws
        self.authorized = authorized
        self._send_lock = asyncio.Lock()
        self._pipeline: VoicePipeline | None = None
        self._turn: SocketTurn | None = None
        self._turns = 0
        self._vad_next = False
        settings = gateway.settings
        self._max_audio_bytes = int(settings.max_turn_seconds * STT_FORMAT.rate * STT_FORMAT.width)
        self._endpointing = ServerEndpointing(settings.vad_settings)

    async def send(self, message: dict[str, Any]) -> None:
        """Send a JSON message (dropped once the socket is closing)."""
        async with self._send_lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionResetError):
                    await self.ws.send_str(json.dumps(message))

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary frame of reply audio."""
        async with self._send_lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionResetError):
                    await self.ws.send_bytes(data)

    async def run(self) -> None:
        """Serve the socket until the client closes it."""
        await self.send({"type": "hello", "auth_required": not self.authorized})
        if not self.authorized and not await self._authenticate():
            return
        await self.send({"type": "ready"})
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.BINARY:
                    await self._on_audio(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await self._on_message(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            await self._cancel_turn(notify=False)

    async def _authenticate(self) -> bool:
        try:
            msg = await self.ws.receive(timeout=AUTH_TIMEOUT)
            data = json.loads(msg.data) if msg.type == WSMsgType.TEXT else {}
        except (TimeoutError, json.JSONDecodeError):
            data = {}
        key = data.get("key") if isinstance(data, dict) and data.get("type") == "auth" else None
        if isinstance(key, str) and self.gateway.api_key.matches(key):
            self.authorized = True
            return True
        _LOGGER.info("WebSocket refused: no valid API key")
        await self.send({"type": "error", "stage": "auth", "message": "missing or wrong API key"})
        await self.ws.close(code=CLOSE_UNAUTHORIZED, message=b"unauthorized")
        return False

    async def _on_message(self, text: str) -> None:
        try:
            data = json.loads(text)
            kind = data["type"]
        except (json.JSONDecodeError, KeyError, TypeError):
            await self._input_error("expected a JSON object with a type")
            return
        if kind == "end":
            if self._turn is not None and self._turn.state != "closed":
                self._turn.end()
            else:
                await self._input_error("end without audio")
        elif kind == "text":
            await self._on_text(data.get("text"))
        elif kind == "cancel":
            await self._cancel_turn(notify=True)
        elif kind == "reset":
            await self._cancel_turn(notify=True)
            if self._pipeline is not None:
                self._pipeline.conversations = ConversationTracker()
        elif kind == "vad":
            await self._use_vad()
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "auth":
            pass  # already authorised (header or an earlier message)
        else:
            await self._input_error(f"unknown message type {kind!r}")

    async def _on_text(self, request: object) -> None:
        if not isinstance(request, str):
            await self._input_error('expected {"type": "text", "text": "..."}')
            return
        try:
            text = request_text(request)
        except BadRequestError as err:
            await self._input_error(str(err))
            return
        await self._start(lambda p, listener: respond_typed(p, text, listener), "ask")

    async def _input_error(self, message: str) -> None:
        await self.send({"type": "error", "stage": "input", "message": message})

    async def _on_audio(self, data: bytes) -> None:
        if len(data) % STT_FORMAT.width:
            await self._input_error("audio frames must hold whole 16-bit samples")
            return
        turn = self._turn
        if turn is None or turn.state == "closed":
            turn = await self._start(
                lambda p, listener: p.run(listener.turn.chunks(), listener), "stream"
            )
        reason = await turn.add_audio(data)
        if reason is not None:
            _LOGGER.debug("Turn %s ended by the server: %s", turn.number, reason.value)

    async def _use_vad(self) -> None:
        turn = self._turn
        if turn is None or not turn.listening:
            self._vad_next = True  # for the next spoken turn
            return
        try:
            turn.detector = await self._endpointing.detector()
        except PipelineError as err:
            await self.send({"type": "error", "stage": "vad", "message": str(err)})

    async def _start(self, work: Work, kind: str) -> SocketTurn:
        """Cancel whatever runs (a new request interrupts the last one) and start a turn."""
        await self._cancel_turn(notify=True)
        self._turns += 1
        turn = SocketTurn(self._turns, self._max_audio_bytes, spoken=kind == "stream")
        self._turn = turn
        if turn.listening and self._vad_next:
            self._vad_next = False
            await self._use_vad()
        turn.task = asyncio.create_task(self._run(turn, work, kind), name=f"web-turn-{kind}")
        return turn

    async def _pipeline_now(self) -> VoicePipeline:
        if self._pipeline is None:
            self._pipeline = await self.gateway.pipeline(conversations=ConversationTracker())
        else:
            self._pipeline.endpoints = await self.gateway.endpoints()
        return self._pipeline

    async def _run(self, turn: SocketTurn, work: Work, kind: str) -> None:
        listener = _SocketListener(self, turn)
        done: dict[str, Any] = {"type": "done", "turn": turn.number, "cancelled": False}
        try:
            pipeline = await self._pipeline_now()
            result = await self.gateway.run_turn(work(pipeline, listener), kind)
            timings = {k: v for k, v in result.timings.as_dict().items() if v is not None}
            await self.send({"type": "timings", "turn": turn.number, "kind": kind, **timings})
            done.update(conversation_id=result.conversation_id, handled=result.handled)
        except PipelineError as err:
            await self._turn_error(turn, err.stage, error_message(err))
            done.update(conversation_id=None, handled=False)
        except Exception as err:  # a service that broke the protocol, or a bug: still end it
            _LOGGER.exception("%s turn %s failed", kind, turn.number)
            reason = str(err) or type(err).__name__
            await self._turn_error(turn, "gateway", f"the turn failed: {reason}")
            done.update(conversation_id=None, handled=False)
        turn.stop_listening()
        await self.send(done)  # every turn ends with done (a cancelled one: _cancel_turn)

    async def _turn_error(self, turn: SocketTurn, stage: str, message: str) -> None:
        await self.send({"type": "error", "turn": turn.number, "stage": stage, "message": message})

    async def _cancel_turn(self, *, notify: bool) -> None:
        turn, self._turn = self._turn, None
        if turn is None or turn.task is None or turn.task.done():
            return
        turn.end()
        turn.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await turn.task
        if notify:
            await self.send({"type": "done", "turn": turn.number, "cancelled": True})


async def websocket(request: web.Request) -> web.WebSocketResponse:
    """The /ws route."""
    gateway = request.app[GATEWAY_KEY]
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=30.0, compress=False)
    await ws.prepare(request)
    gateway.metrics.inc("web_websockets_total", "WebSocket sessions opened")
    authorized = gateway.api_key.allows(request)
    await BrowserSession(gateway, ws, authorized=authorized).run()
    return ws
