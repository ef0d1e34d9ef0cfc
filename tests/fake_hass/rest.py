"""HA's REST API (`/api/...`) with bearer-token auth."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import assist, intent, services
from .errors import HouseError, NotFoundError, ServerStopping

if TYPE_CHECKING:
    from .server import FakeHomeAssistant

_LOGGER = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ERROR_STATUS = {
    "not_found": HTTPStatus.BAD_REQUEST,
    "invalid_format": HTTPStatus.BAD_REQUEST,
    "service_validation_error": HTTPStatus.BAD_REQUEST,
}


def _message(text: str, status: int) -> web.Response:
    return web.json_response({"message": text}, status=status)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body ({} when empty); 400 like HA when it is not JSON."""
    if not await request.read():
        return {}
    try:
        body = await request.json()
    except ValueError as err:
        raise web.HTTPBadRequest(
            text='{"message": "Invalid JSON."}', content_type="application/json"
        ) from err
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"message": "Data should be a JSON object."}', content_type="application/json"
        )
    return body


class RestApi:
    """Route handlers bound to one `FakeHomeAssistant`."""

    def __init__(self, hass: FakeHomeAssistant) -> None:
        """Bind the handlers to the fake."""
        self.hass = hass

    def routes(self) -> list[web.RouteDef]:
        """Return the REST routes."""
        entries = "/api/config/config_entries"
        return [
            web.get("/api/", self.api_running),
            web.get("/api/config", self.config),
            web.get("/api/states", self.states),
            web.get("/api/states/{entity_id}", self.state),
            web.post("/api/states/{entity_id}", self.set_state),
            web.post("/api/services/{domain}/{service}", self.call_service),
            web.post("/api/intent/handle", self.intent_handle),
            web.post("/api/conversation/process", self.conversation_process),
            web.get(f"{entries}/entry", self.entries),
            web.delete(f"{entries}/entry/{{entry_id}}", self.delete_entry),
            web.get(f"{entries}/flow", self.flow_progress),
            web.post(f"{entries}/flow", self.flow_start),
            web.get(f"{entries}/flow/{{flow_id}}", self.flow_get),
            web.post(f"{entries}/flow/{{flow_id}}", self.flow_submit),
            web.delete(f"{entries}/flow/{{flow_id}}", self.flow_delete),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Check the bearer token (not for the websocket) and apply `response_delay`."""
        if request.path == "/api/websocket" or request.path.startswith("/api/tts_proxy/"):
            return await handler(request)
        if request.headers.get("Authorization") != f"Bearer {self.hass.token}":
            raise web.HTTPUnauthorized()
        try:
            await self.hass.delay()
        except ServerStopping:
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection drop, as in a crash
            raise web.HTTPServiceUnavailable() from None
        try:
            return await handler(request)
        except NotFoundError as err:
            return _message(err.message, HTTPStatus.NOT_FOUND)
        except HouseError as err:
            status = _ERROR_STATUS.get(err.code, HTTPStatus.INTERNAL_SERVER_ERROR)
            return _message(err.message, status)

    async def api_running(self, request: web.Request) -> web.Response:
        """`GET /api/`."""
        return _message("API running.", HTTPStatus.OK)

    async def config(self, request: web.Request) -> web.Response:
        """`GET /api/config`."""
        return web.json_response(self.hass.config_dict())

    async def states(self, request: web.Request) -> web.Response:
        """`GET /api/states`."""
        return web.json_response([s.as_dict() for s in self.hass.house.states.values()])

    async def state(self, request: web.Request) -> web.Response:
        """`GET /api/states/<entity_id>`; 404 when unknown."""
        state = self.hass.house.get_state(request.match_info["entity_id"])
        if state is None:
            return _message("Entity not found.", HTTPStatus.NOT_FOUND)
        return web.json_response(state.as_dict())

    async def set_state(self, request: web.Request) -> web.Response:
        """`POST /api/states/<entity_id>` {state, attributes?}: write a state, as HA allows."""
        entity_id = request.match_info["entity_id"]
        body = await _json_body(request)
        if not isinstance(body.get("state"), str):
            return _message("No state specified.", HTTPStatus.BAD_REQUEST)
        is_new = entity_id not in self.hass.house.states
        state = self.hass.house.set_state(entity_id, body["state"], body.get("attributes") or {})
        status = HTTPStatus.CREATED if is_new else HTTPStatus.OK
        return web.json_response(state.as_dict(), status=status)

    async def call_service(self, request: web.Request) -> web.Response:
        """`POST /api/services/<domain>/<service>[?return_response]`: the states it changed
        (and the service's response when asked for)."""
        domain, service = request.match_info["domain"], request.match_info["service"]
        body = await _json_body(request)
        house = self.hass.house
        return_response = "return_response" in request.query
        mode = services.response_mode(house, domain, service)
        if house.has_service(domain, service):
            if return_response and mode is None:
                return _message(
                    "Service does not support responses. Remove return_response from request.",
                    HTTPStatus.BAD_REQUEST,
                )
            if mode == "only" and not return_response:
                return _message(
                    "Service call requires responses but caller did not ask for responses. "
                    "Add ?return_response to query parameters.",
                    HTTPStatus.BAD_REQUEST,
                )
        target: dict[str, Any] = {
            k: body.pop(k) for k in ("entity_id", "area_id", "device_id") if k in body
        }
        index = len(house.service_calls)
        changed = house.call_service(domain, service, body, target, return_response=return_response)
        states = [s.as_dict() for s in changed]
        if return_response:
            response = house.service_calls[index].response
            return web.json_response({"changed_states": states, "service_response": response})
        return web.json_response(states)

    async def intent_handle(self, request: web.Request) -> web.Response:
        """`POST /api/intent/handle` {name, data?, language?, assistant?, device_id?,
        satellite_id?}: HA 2026.11's intents (see `intent.py`)."""
        status, body = intent.handle_request(self.hass.house, await request.read())
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/plain")
        return web.json_response(body, status=status)

    async def conversation_process(self, request: web.Request) -> web.Response:
        """`POST /api/conversation/process` {text, language?, agent_id?, conversation_id?}."""
        body = await _json_body(request)
        if not isinstance(body.get("text"), str):
            return _message(
                "Message format incorrect: required key not provided @ data['text']", 400
            )
        self.hass.conversation_requests.append(body)
        return web.json_response(await assist.process_conversation(self.hass, body))

    async def entries(self, request: web.Request) -> web.Response:
        """`GET /api/config/config_entries/entry[?domain=]`."""
        domain = request.query.get("domain")
        entries = self.hass.flows.entries.values()
        return web.json_response([e.as_dict() for e in entries if domain in (None, e.domain)])

    async def delete_entry(self, request: web.Request) -> web.Response:
        """`DELETE /api/config/config_entries/entry/<entry_id>`."""
        self.hass.flows.remove_entry(request.match_info["entry_id"])
        return web.json_response({"require_restart": False})

    async def flow_progress(self, request: web.Request) -> web.Response:
        """`GET /api/config/config_entries/flow`: HA answers 405 (the websocket lists flows)."""
        raise web.HTTPMethodNotAllowed("GET", ["POST"])

    async def flow_start(self, request: web.Request) -> web.Response:
        """`POST /api/config/config_entries/flow` {handler, show_advanced_options, entry_id?}."""
        body = await _json_body(request)
        flow = self.hass.flows.start_flow(str(body.get("handler")), body.get("entry_id"))
        return web.json_response(flow)

    async def flow_get(self, request: web.Request) -> web.Response:
        """`GET /api/config/config_entries/flow/<flow_id>`: the current step."""
        return web.json_response(self.hass.flows.current_step(request.match_info["flow_id"]))

    async def flow_submit(self, request: web.Request) -> web.Response:
        """`POST /api/config/config_entries/flow/<flow_id>` with the step's input."""
        body = await _json_body(request)
        result = await self.hass.flows.submit(request.match_info["flow_id"], body)
        return web.json_response(result)

    async def flow_delete(self, request: web.Request) -> web.Response:
        """`DELETE /api/config/config_entries/flow/<flow_id>`."""
        self.hass.flows.abort_flow(request.match_info["flow_id"])
        return _message("Flow aborted", HTTPStatus.OK)
