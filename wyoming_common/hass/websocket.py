"""Home Assistant's websocket API: one authenticated connection, numbered commands, events.

Connecting and every command are bounded by `request_timeout`, so an unreachable or frozen
Home Assistant never hangs a caller. The access token never appears in reprs or logs.
aiohttp is imported only when a connection is made (services start faster without it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import (
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
    HomeAssistantTimeoutError,
)
from .handshake import authenticate
from .urls import websocket_url

if TYPE_CHECKING:
    import aiohttp

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[dict[str, Any]], None]

# A big home's get_states or registry lists outgrow aiohttp's default of 4 MiB.
MAX_MESSAGE_SIZE = 64 * 1024 * 1024


class HomeAssistantWebSocket:
    """One authenticated websocket connection to Home Assistant (long-lived access token)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 5.0,
    ) -> None:
        self.url = websocket_url(url)
        self._token = token
        self._session = session
        self._own_session = session is None
        self.request_timeout = request_timeout
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._subscriptions: dict[int, EventCallback] = {}
        self._closed = asyncio.Event()
        self._closed.set()
        self._connecting = asyncio.Lock()  # concurrent first commands share one connection
        self.ha_version: str | None = None

    def __repr__(self) -> str:  # the token never appears in logs or reprs
        return f"{type(self).__name__}({self.url!r})"

    @property
    def connected(self) -> bool:
        """True while the websocket is open and authenticated."""
        return self._ws is not None and not self._ws.closed and not self._closed.is_set()

    async def wait_closed(self) -> None:
        """Return once the connection is gone (however it ended)."""
        await self._closed.wait()

    async def connect(self) -> None:
        """Open the websocket and authenticate; raises a HomeAssistantError subclass."""
        if self.connected:
            return
        async with self._connecting:
            if not self.connected:
                await self._connect()

    async def _connect(self) -> None:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(self.request_timeout):
                # HA gone mid-close must not hold a shutdown for aiohttp's default 10 s.
                ws = await self._session.ws_connect(
                    self.url,
                    heartbeat=30,
                    autoping=True,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                    max_msg_size=MAX_MESSAGE_SIZE,
                )
                try:
                    self.ha_version = await authenticate(ws, self._token)
                except BaseException:
                    await ws.close()
                    raise
        except TimeoutError as err:
            raise HomeAssistantTimeoutError(
                f"Home Assistant at {self.url} did not answer within {self.request_timeout:g} s"
            ) from err
        except (aiohttp.ClientError, ValueError) as err:  # ValueError: a greeting not JSON
            raise HomeAssistantConnectionError(f"cannot connect to {self.url}: {err}") from err
        if self._ws is not None:  # the last connection ended; its reader has not cleaned up
            self._lost()
        self._ws = ws
        self._closed.clear()
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read_loop(ws), name="hass websocket reader")
        _LOGGER.info("Connected to Home Assistant %s at %s", self.ha_version, self.url)

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        import aiohttp

        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    _LOGGER.warning("Ignoring a non-JSON websocket message")
                    continue
                for item in payload if isinstance(payload, list) else [payload]:
                    if isinstance(item, dict):
                        self._dispatch(item)
        except (aiohttp.ClientError, ConnectionError) as err:
            _LOGGER.info("Home Assistant connection lost: %s", err)
        finally:
            if self._ws is ws:  # else a newer connection (or close) has cleaned up for this one
                self._lost()
                _LOGGER.info("Disconnected from Home Assistant")

    def _lost(self) -> None:
        """The current connection ended: fail its commands, drop its subscriptions (their
        owners subscribe again after wait_closed), wake wait_closed."""
        self._closed.set()
        error = HomeAssistantConnectionError("the connection to Home Assistant was lost")
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._subscriptions.clear()

    def _dispatch(self, item: dict[str, Any]) -> None:
        msg_id = item.get("id")
        kind = item.get("type")
        if kind == "event" and msg_id in self._subscriptions:
            try:
                self._subscriptions[msg_id](item.get("event") or {})
            except Exception:  # one bad listener must not kill the connection
                _LOGGER.exception("Event listener failed")
            return
        future = self._pending.pop(msg_id, None) if isinstance(msg_id, int) else None
        if future is None or future.done():
            return
        if kind == "pong":
            future.set_result(None)
        elif item.get("success"):
            future.set_result(item.get("result"))
        else:
            error = item.get("error") or {}
            future.set_exception(
                HomeAssistantCommandError(
                    str(error.get("code", "unknown_error")), str(error.get("message", ""))
                )
            )

    async def close(self) -> None:
        """Close the websocket (and the session when we created it)."""
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        self._lost()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> HomeAssistantWebSocket:
        try:
            await self.connect()
        except BaseException:  # a session we opened must not leak
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- commands -----------------------------------------------------------------------------

    async def command(self, msg_type: str, **fields: Any) -> Any:
        """Send one command and return its result (bounded by request_timeout)."""
        _msg_id, result = await self._request(msg_type, fields)
        return result

    async def subscribe(self, msg_type: str, callback: EventCallback, **fields: Any) -> int:
        """Send a command whose answer is a stream of events (subscribe_events,
        assist_pipeline/run, ...); callback(event) gets each one. Returns the message id."""
        msg_id, _result = await self._request(msg_type, fields, listener=callback)
        return msg_id

    async def subscribe_events(self, event_type: str, callback: EventCallback) -> int:
        """Call callback(event) for each event of this type; returns the subscription id."""
        return await self.subscribe("subscribe_events", callback, event_type=event_type)

    async def unsubscribe(self, subscription: int, *, tell_home_assistant: bool = True) -> None:
        """Stop delivering a subscription's events (and end it in HA, unless it ended there)."""
        if self._subscriptions.pop(subscription, None) is not None and tell_home_assistant:
            await self.command("unsubscribe_events", subscription=subscription)

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary frame (audio of a pipeline run: handler id byte + PCM)."""
        import aiohttp

        ws = self._ws
        if ws is None or not self.connected:
            raise HomeAssistantConnectionError("not connected to Home Assistant")
        try:
            async with asyncio.timeout(self.request_timeout):
                await ws.send_bytes(data)
        except TimeoutError as err:
            raise HomeAssistantTimeoutError("Home Assistant stopped reading audio") from err
        except (aiohttp.ClientError, ConnectionError) as err:
            raise HomeAssistantConnectionError(f"sending audio failed: {err}") from err

    async def _request(
        self, msg_type: str, fields: dict[str, Any], listener: EventCallback | None = None
    ) -> tuple[int, Any]:
        import aiohttp

        ws = self._ws
        if ws is None or not self.connected:
            raise HomeAssistantConnectionError("not connected to Home Assistant")
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        if listener is not None:  # before sending: an event may follow the result at once
            self._subscriptions[msg_id] = listener
        try:
            async with asyncio.timeout(self.request_timeout):
                await ws.send_json({"id": msg_id, "type": msg_type, **fields})
                return msg_id, await future
        except BaseException as err:
            self._subscriptions.pop(msg_id, None)
            if isinstance(err, TimeoutError):
                raise HomeAssistantTimeoutError(
                    f"Home Assistant did not answer {msg_type} within {self.request_timeout:g} s"
                ) from err
            if isinstance(err, aiohttp.ClientError | ConnectionError):
                raise HomeAssistantConnectionError(f"sending {msg_type} failed: {err}") from err
            raise
        finally:
            self._pending.pop(msg_id, None)

    async def call_service(
        self,
        domain: str,
        service: str,
        service_data: dict[str, Any] | None = None,
        target: dict[str, Any] | None = None,
    ) -> Any:
        """Call a service; HA's error result raises HomeAssistantCommandError."""
        fields: dict[str, Any] = {"domain": domain, "service": service}
        if service_data:
            fields["service_data"] = service_data
        if target:
            fields["target"] = target
        return await self.command("call_service", **fields)
