"""The aiohttp application: routes, the page's files, API-key check, errors as JSON."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from voice_pipeline.errors import PipelineError
from wyoming_common.errors import BadRequestError, WyomingVoiceError

from .auth import auth_middleware
from .errors import UnsupportedMediaTypeError
from .gateway import GATEWAY_KEY, Gateway, error_message, error_status
from .guard import Handler, guard_middleware
from .http_api import ask, interact
from .status import HEALTH_KEY, HealthProbe, health, latency, metrics
from .ws_session import websocket

_LOGGER = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

# Everything the page needs is served from here: no CDN, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _error(message: str, stage: str, status: int) -> web.Response:
    return web.json_response({"error": message, "stage": stage}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Our exceptions → JSON answers with a status and the failing stage; requests counted."""
    gateway = request.app[GATEWAY_KEY]
    try:
        response = await handler(request)
    except UnsupportedMediaTypeError as err:
        response = _error(str(err), "input", 415)
    except BadRequestError as err:
        response = _error(str(err), "input", 400)
    except web.HTTPRequestEntityTooLarge:
        limit = gateway.settings.max_upload_bytes / (1024 * 1024)
        response = _error(f"the upload is larger than {limit:g} MiB", "input", 413)
    except PipelineError as err:
        response = _error(error_message(err), err.stage, error_status(err))
    except WyomingVoiceError as err:  # e.g. a service that sent something not Wyoming
        _LOGGER.warning("%s %s failed: %s", request.method, request.path, err)
        response = _error(str(err), "gateway", 502)
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    gateway.metrics.inc(
        "web_requests_total", "HTTP requests", route=name, status=str(response.status)
    )
    return response


@web.middleware
async def header_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on the page and its files."""
    response = await handler(request)
    if not response.prepared:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "microphone=(self)")
    return response


async def index(_request: web.Request) -> web.FileResponse:
    """The console page."""
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def build_app(gateway: Gateway) -> web.Application:
    """The whole gateway as an aiohttp application."""
    app = web.Application(
        client_max_size=gateway.settings.max_upload_bytes,
        middlewares=[
            header_middleware,
            error_middleware,
            guard_middleware(gateway.guard),
            auth_middleware(gateway.api_key),
        ],
    )
    app[GATEWAY_KEY] = gateway
    app[HEALTH_KEY] = HealthProbe()
    app.router.add_get("/", index)
    app.router.add_get("/index.html", index)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
    app.router.add_post("/api/interact", interact)
    app.router.add_post("/api/ask", ask)
    app.router.add_get("/ws", websocket)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/latency", latency)
    return app
