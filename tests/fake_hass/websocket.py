"""HA's websocket API (`/api/websocket`): auth phase, then id-tagged commands and events."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .errors import (
    HouseError,
    NotFoundError,
    ServerStopping,
)
from .house import Context, StateChangedEvent
from .pipeline_run import PipelineRun
from .registry import REGISTRY_EVENTS
from .ws_registry import REGISTRY_COMMANDS, Message, field

if TYPE_CHECKING:
    from .server import FakeHomeAssistant

_LOGGER = logging.getLogger(__name__)

Command = Callable[["WebSocketSession", Message], Awaitable[Any]]
ANSWERED = object()  # a command that sent its own result (and then events)
_field = field


class WebSocketSession:
    """One websocket connection: authenticates, then runs each command in its own task."""

    def __init__(self, hass: FakeHomeAssistant, ws: web.WebSocketResponse) -> None:
        """Bind the session to the fake and its socket."""
        self.hass = hass
        self.ws = ws
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._subscriptions: dict[int, Callable[[], None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_id = 0
        self._runs: dict[int, PipelineRun] = {}  # binary handler id → pipeline run

    async def run(self) -> None:
        """Serve the connection until the client or the fake closes it."""
        await self.hass.delay()
        await self.ws.send_json({"type": "auth_required", "ha_version": self.hass.version})
        if not await self._authenticate():
            return
        writer = asyncio.create_task(self._write_loop())
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.BINARY and msg.data:
                    run = self._runs.get(msg.data[0])
                    if run is not None:
                        run.audio.put_nowait(bytes(msg.data[1:]))
                if msg.type != WSMsgType.TEXT:
                    continue
                if not self._dispatch(msg.data):
                    break
        finally:
            for unsubscribe in self._subscriptions.values():
                unsubscribe()
            self._subscriptions.clear()
            for task in [*self._tasks, writer]:
                task.cancel()
            await asyncio.gather(*self._tasks, writer, return_exceptions=True)

    async def _authenticate(self) -> bool:
        msg = await self.ws.receive()
        auth: Any = None
        if msg.type == WSMsgType.TEXT:
            try:
                auth = json.loads(msg.data)
            except ValueError:
                auth = None
        await self.hass.delay()
        if (
            isinstance(auth, dict)
            and auth.get("type") == "auth"
            and auth.get("access_token") == self.hass.token
        ):
            await self.ws.send_json({"type": "auth_ok", "ha_version": self.hass.version})
            return True
        if not self.ws.closed:
            await self.ws.send_json(
                {"type": "auth_invalid", "message": "Invalid access token or password"}
            )
            await self.ws.close()
        return False

    async def _write_loop(self) -> None:
        while True:
            message = await self._outbox.get()
            if self.ws.closed:
                return
            await self.ws.send_json(message)

    def send(self, message: Message) -> None:
        """Queue a message; the queue keeps events and results in the order they happened."""
        self._outbox.put_nowait(message)

    def send_result(self, msg_id: int, result: Any) -> None:
        """Queue a successful result."""
        self.send({"id": msg_id, "type": "result", "success": True, "result": result})

    def send_error(self, msg_id: int, code: str, message: str) -> None:
        """Queue an error result."""
        error = {"code": code, "message": message}
        self.send({"id": msg_id, "type": "result", "success": False, "error": error})

    def _dispatch(self, raw: str) -> bool:
        """Start one command; returns False when the connection must close."""
        try:
            msg = json.loads(raw)
        except ValueError:
            _LOGGER.debug("Closing websocket on invalid JSON")
            return False
        if (
            not isinstance(msg, dict)
            or not isinstance(msg.get("id"), int)
            or not isinstance(msg.get("type"), str)
        ):
            msg_id = msg.get("id") if isinstance(msg, dict) else None
            self.send_error(
                msg_id if isinstance(msg_id, int) else 0,
                "invalid_format",
                "Message incorrectly formatted.",
            )
            return True
        if msg["id"] <= self._last_id:
            self.send_error(msg["id"], "id_reuse", "Identifier values have to increase.")
            return True
        self._last_id = msg["id"]
        task = asyncio.create_task(self._run_command(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run_command(self, msg: Message) -> None:
        try:
            await self.hass.delay()
        except ServerStopping:
            return
        if msg["type"] == "ping":
            self.send({"id": msg["id"], "type": "pong"})
            return
        command = COMMANDS.get(msg["type"])
        if command is None:
            self.send_error(msg["id"], "unknown_command", "Unknown command.")
            return
        try:
            result = await command(self, msg)
        except HouseError as err:
            self.send_error(msg["id"], err.code, err.message)
        except Exception as err:  # HA answers unexpected errors instead of dropping the socket
            _LOGGER.exception("Command %s failed", msg["type"])
            self.send_error(msg["id"], "unknown_error", str(err))
        else:
            if result is not ANSWERED:
                self.send_result(msg["id"], result)

    # Commands -------------------------------------------------------------------

    async def supported_features(self, msg: Message) -> None:
        """Accept the client's feature flags (coalescing is never used by the fake)."""
        _field(msg, "features", dict)

    async def get_states(self, msg: Message) -> list[dict[str, Any]]:
        """Return all states."""
        return [state.as_dict() for state in self.hass.house.states.values()]

    async def call_service(self, msg: Message) -> dict[str, Any]:
        """Run a service; result is `{"context": ...}` plus `response` when asked for."""
        domain, service = _field(msg, "domain", str), _field(msg, "service", str)
        return_response = _field(msg, "return_response", bool, False)
        house = self.hass.house
        index = len(house.service_calls)
        changed = house.call_service(
            domain,
            service,
            _field(msg, "service_data", dict, {}),
            _field(msg, "target", dict, {}),
            return_response=return_response,
        )
        context = changed[0].context if changed else Context()
        result: dict[str, Any] = {"context": context.as_dict()}
        if return_response:  # the house refuses services without a response
            result["response"] = house.service_calls[index].response
        return result

    async def subscribe_events(self, msg: Message) -> None:
        """Forward `state_changed` and `*_registry_updated` events (all without `event_type`)."""
        event_type = _field(msg, "event_type", str, None)
        msg_id = msg["id"]

        def forward(event: StateChangedEvent) -> None:
            self.send({"id": msg_id, "type": "event", "event": event.as_dict()})

        def forward_registry(event: dict[str, Any]) -> None:
            self.send({"id": msg_id, "type": "event", "event": event})

        removers = []
        if event_type in (None, "state_changed"):
            removers.append(self.hass.house.add_listener(forward))
        for registry_event in REGISTRY_EVENTS:
            if event_type in (None, registry_event):
                removers.append(self.hass.registry_events.listen(registry_event, forward_registry))

        def unsubscribe() -> None:
            for remove in removers:
                remove()

        self._subscriptions[msg_id] = unsubscribe

    async def unsubscribe_events(self, msg: Message) -> None:
        """Cancel a subscription by the id of its `subscribe_events` message."""
        unsubscribe = self._subscriptions.pop(_field(msg, "subscription", int), None)
        if unsubscribe is None:
            raise NotFoundError("Subscription not found.")
        unsubscribe()

    async def pipeline_run(self, msg: Message) -> object:
        """`assist_pipeline/run`: the result at once, then the run's events (pipeline_run)."""
        run = PipelineRun(self.hass, msg, self.send)
        run.handler_id = max(self._runs, default=0) + 1
        self._runs[run.handler_id] = run
        try:
            self.send_result(msg["id"], None)
            await run.run()
        finally:
            del self._runs[run.handler_id]
        return ANSWERED

    async def pipeline_list(self, msg: Message) -> dict[str, Any]:
        """Return `{pipelines, preferred_pipeline}`."""
        return self.hass.pipelines.as_list_result()

    async def pipeline_get(self, msg: Message) -> dict[str, Any]:
        """Return a pipeline (the preferred one without `pipeline_id`)."""
        return self.hass.pipelines.get(_field(msg, "pipeline_id", str, None))

    async def pipeline_create(self, msg: Message) -> dict[str, Any]:
        """Create a pipeline from all its fields; returns it with `id`."""
        fields = {k: v for k, v in msg.items() if k not in ("id", "type")}
        return self.hass.pipelines.create(fields)

    async def pipeline_update(self, msg: Message) -> dict[str, Any]:
        """Replace all fields of a pipeline."""
        pipeline_id = _field(msg, "pipeline_id", str)
        fields = {k: v for k, v in msg.items() if k not in ("id", "type", "pipeline_id")}
        return self.hass.pipelines.update(pipeline_id, fields)

    async def pipeline_delete(self, msg: Message) -> None:
        """Delete a pipeline (not the preferred one)."""
        self.hass.pipelines.delete(_field(msg, "pipeline_id", str))

    async def pipeline_set_preferred(self, msg: Message) -> None:
        """Make a pipeline the preferred one."""
        self.hass.pipelines.set_preferred(_field(msg, "pipeline_id", str))

    async def flow_progress(self, msg: Message) -> list[dict[str, Any]]:
        """Return discovered config flows waiting for the user."""
        return self.hass.flows.progress()

    async def entries_get(self, msg: Message) -> list[dict[str, Any]]:
        """Return config entries, optionally of one domain."""
        domain = _field(msg, "domain", str, None)
        entries = self.hass.flows.entries.values()
        return [e.as_dict() for e in entries if domain in (None, e.domain)]


COMMANDS: dict[str, Command] = {
    "supported_features": WebSocketSession.supported_features,
    "get_states": WebSocketSession.get_states,
    "call_service": WebSocketSession.call_service,
    "subscribe_events": WebSocketSession.subscribe_events,
    "unsubscribe_events": WebSocketSession.unsubscribe_events,
    "assist_pipeline/run": WebSocketSession.pipeline_run,
    "assist_pipeline/pipeline/list": WebSocketSession.pipeline_list,
    "assist_pipeline/pipeline/get": WebSocketSession.pipeline_get,
    "assist_pipeline/pipeline/create": WebSocketSession.pipeline_create,
    "assist_pipeline/pipeline/update": WebSocketSession.pipeline_update,
    "assist_pipeline/pipeline/delete": WebSocketSession.pipeline_delete,
    "assist_pipeline/pipeline/set_preferred": WebSocketSession.pipeline_set_preferred,
    "config_entries/flow/progress": WebSocketSession.flow_progress,
    "config_entries/get": WebSocketSession.entries_get,
    **REGISTRY_COMMANDS,
}
