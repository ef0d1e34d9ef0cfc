"""`LiveConnection`: keep a service's websocket to Home Assistant up, with backoff.

On every (re)connect it runs the caller's `on_connect` (load registries, subscribe to events),
then waits for the connection to end and tries again, 1 s, 2 s, 4 s ... up to 30 s apart.
A wrong token is retried too (the user may fix it in HA) but logged as an error once per try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from .client import HomeAssistantClient
from .errors import HomeAssistantAuthError, HomeAssistantError

_LOGGER = logging.getLogger(__name__)

OnConnect = Callable[[HomeAssistantClient], Awaitable[None]]


class LiveConnection:
    """A websocket to Home Assistant that reconnects by itself."""

    def __init__(
        self,
        client: HomeAssistantClient,
        on_connect: OnConnect,
        *,
        backoff: tuple[float, float] = (1.0, 30.0),
        token_hint: str = "--hass-token-file",
    ) -> None:
        self.client = client
        self._on_connect = on_connect
        self._backoff_min, self._backoff_max = backoff
        self._token_hint = token_hint
        self._ready = asyncio.Event()
        self._retry_now = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None

    @property
    def available(self) -> bool:
        """True when connected and `on_connect` has finished."""
        return self._ready.is_set() and self.client.connected

    async def start(self) -> None:
        """Start connecting in the background (returns at once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="home assistant connection")

    async def stop(self) -> None:
        """Stop reconnecting and close the client."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._ready.clear()
        await self.client.close()

    def retry_now(self) -> None:
        """Skip the rest of the current backoff."""
        self._retry_now.set()

    async def wait_available(self, timeout: float) -> bool:
        """Wait up to `timeout` s for a usable connection (retrying at once if one is due)."""
        if self.available:
            return True
        self.retry_now()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self.available:
                    await self._ready.wait()
                    if not self.available:
                        await asyncio.sleep(0.05)
        return self.available

    async def _run(self) -> None:
        delay = self._backoff_min
        while True:
            try:
                await self.client.connect()
                await self._on_connect(self.client)
                self._ready.set()
                self.last_error = None
                delay = self._backoff_min
                await self.client.wait_closed()
            except asyncio.CancelledError:
                raise
            except HomeAssistantAuthError as err:
                self.last_error = str(err)
                _LOGGER.error("%s; check %s", err, self._token_hint)
            except HomeAssistantError as err:
                self.last_error = str(err)
                _LOGGER.warning("Home Assistant unavailable: %s (retrying in %.0f s)", err, delay)
            except Exception as err:  # an unexpected payload must not end the reconnect loop
                self.last_error = str(err)
                _LOGGER.exception("Unexpected answer from Home Assistant; reconnecting")
            self._ready.clear()
            await self.client.disconnect()
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._retry_now.wait()
            delay = min(self._backoff_max, delay * 2)
