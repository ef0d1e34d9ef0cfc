"""`FakeHomeAssistant`: a real aiohttp server with HA's websocket and REST surface."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any

from aiohttp import WSCloseCode, web

from .config_entry import ConfigEntry
from .config_flows import ConfigFlows, Describer
from .default_house import build_default_house
from .errors import ServerStopping
from .house import House, ServiceCall
from .pipelines import PipelineStore
from .registry import RegistryEvents
from .rest import RestApi
from .websocket import WebSocketSession
from .wyoming_service import describe_wyoming

_LOGGER = logging.getLogger(__name__)

HA_VERSION = "2026.11.0"


class FakeHomeAssistant:
    """A stand-in for Home Assistant; state survives `stop()`/`start()` like a restart."""

    def __init__(
        self,
        token: str = "test-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        house: House | None = None,
        describe: Describer = describe_wyoming,
        location_name: str = "Home",
    ) -> None:
        """Configure the fake; `port` 0 picks a free port on the first `start()`."""
        self.token = token
        self.host = host
        self.port = port
        self.version = HA_VERSION
        self.location_name = location_name
        self.house = house if house is not None else build_default_house()
        self.registry_events = RegistryEvents()
        self.flows = ConfigFlows(self.house, describe, self.registry_events)
        self.pipelines = PipelineStore(tts_languages=self.flows.tts_languages)
        self.conversation_requests: list[dict[str, Any]] = []
        self.tts_audio: dict[str, bytes] = {}  # /api/tts_proxy/<token> → WAV of a pipeline run
        self.response_delay = 0.0
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._sockets: set[web.WebSocketResponse] = set()

    # Test-facing views ------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the base URL, e.g. `http://127.0.0.1:8123`."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """Return the websocket URL."""
        return f"ws://{self.host}:{self.port}/api/websocket"

    @property
    def running(self) -> bool:
        """Return whether the server is accepting connections."""
        return self._runner is not None

    @property
    def service_calls(self) -> list[ServiceCall]:
        """Return every service call made so far (failed ones carry `error`)."""
        return self.house.service_calls

    @property
    def config_entries(self) -> list[ConfigEntry]:
        """Return the config entries."""
        return list(self.flows.entries.values())

    @property
    def exposed(self) -> dict[str, bool]:
        """Return entity id → exposed to `conversation` (a live dict)."""
        return self.house.exposed

    async def add_discovered_flow(self, host: str, port: int, name: str) -> str | None:
        """Discover the Wyoming service `name` at host:port by zeroconf (HA describes it);
        returns the flow id, None when HA aborts (unreachable, already configured)."""
        return await self.flows.add_discovered_flow(host, port, name)

    def mark_unreachable(self, host: str, port: int) -> None:
        """Make config flows for host:port fail with `cannot_connect` without connecting."""
        self.flows.unreachable.add((host, port))

    def config_dict(self) -> dict[str, Any]:
        """Return the `GET /api/config` body."""
        return {
            "allowlist_external_dirs": ["/config/www", "/media"],
            "allowlist_external_urls": [],
            "components": sorted({"api", "assist_pipeline", "conversation", "wyoming"}),
            "config_dir": "/config",
            "config_source": "storage",
            "country": "US",
            "currency": "USD",
            "debug": False,
            "elevation": 0,
            "external_url": None,
            "internal_url": None,
            "language": "en",
            "latitude": 52.37,
            "location_name": self.location_name,
            "longitude": 4.89,
            "radius": 100,
            "recovery_mode": False,
            "safe_mode": False,
            "state": "RUNNING",
            "time_zone": "UTC",
            "unit_system": {
                "length": "km",
                "accumulated_precipitation": "mm",
                "area": "m²",
                "mass": "g",
                "pressure": "Pa",
                "temperature": "°C",
                "volume": "L",
                "wind_speed": "m/s",
            },
            "version": self.version,
            "whitelist_external_dirs": ["/config/www", "/media"],
        }

    async def delay(self) -> None:
        """Wait `response_delay` seconds before an answer; raises `ServerStopping` on stop."""
        if self.response_delay <= 0:
            return
        try:
            async with asyncio.timeout(self.response_delay):
                await self._stopping.wait()
        except TimeoutError:
            return
        raise ServerStopping

    # Lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving; after a `stop()` this reuses the same port."""
        if self._runner is not None:
            return
        self._stopping = asyncio.Event()
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        app.add_routes(
            [
                web.get("/api/websocket", self._websocket),
                web.get("/api/tts_proxy/{token}", self._tts_proxy),
                *rest.routes(),
            ]
        )
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        _LOGGER.info("Fake Home Assistant listening on %s", self.url)

    async def stop(self) -> None:
        """Stop serving and drop every open websocket, as a crashing HA would."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._stopping.set()
        # A client that does not read never acknowledges the close frame: don't wait on it.
        await asyncio.gather(
            *(
                asyncio.wait_for(ws.close(code=WSCloseCode.GOING_AWAY), 0.5)
                for ws in list(self._sockets)
            ),
            return_exceptions=True,
        )
        await runner.cleanup()
        _LOGGER.info("Fake Home Assistant stopped")

    async def __aenter__(self) -> FakeHomeAssistant:
        """Start and return the fake."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the fake."""
        await self.stop()

    async def _tts_proxy(self, request: web.Request) -> web.Response:
        """The reply audio of a pipeline run (no token needed: the URL is the secret, as in HA)."""
        audio = self.tts_audio.get(request.match_info["token"])
        if audio is None:
            raise web.HTTPNotFound()
        return web.Response(body=audio, content_type="audio/x-wav")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await WebSocketSession(self, ws).run()
        except (ServerStopping, ConnectionError):
            _LOGGER.debug("Websocket dropped")
        finally:
            self._sockets.discard(ws)
            if not ws.closed:
                await ws.close()
        return ws
