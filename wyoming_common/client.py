"""Client side: connect to a Wyoming service, read with limits and timeouts, describe it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlparse

from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info

from .errors import ProtocolError, WyomingVoiceError
from .wire import WireLimits, read_event

CLIENT_LIMITS = WireLimits(max_data_bytes=16 * 1024 * 1024, max_payload_bytes=16 * 1024 * 1024)


class ServiceUnavailableError(WyomingVoiceError):
    """A service could not be reached, or stopped answering."""

    code = "service-unavailable"


class WyomingConnection:
    """One connection to a Wyoming service (tcp:// or unix://)."""

    def __init__(
        self, uri: str, *, connect_timeout: float = 5.0, read_timeout: float | None = 30.0
    ) -> None:
        self.uri = uri
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        """Open the connection or raise ServiceUnavailableError."""
        parsed = urlparse(self.uri)
        try:
            if parsed.scheme == "tcp" and parsed.hostname and parsed.port:
                opening = asyncio.open_connection(parsed.hostname, parsed.port)
            elif parsed.scheme == "unix":
                opening = asyncio.open_unix_connection(parsed.path)
            else:
                raise ServiceUnavailableError(f"unsupported URI {self.uri!r}")
            async with asyncio.timeout(self.connect_timeout):
                self._reader, self._writer = await opening
        except (OSError, TimeoutError) as err:
            raise ServiceUnavailableError(f"cannot connect to {self.uri}: {err}") from err

    async def close(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._writer.wait_closed()
            self._writer = None

    async def __aenter__(self) -> WyomingConnection:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def write(self, event: Event) -> None:
        """Send one event."""
        if self._writer is None:
            raise ServiceUnavailableError("not connected")
        try:
            await async_write_event(event, self._writer)
        except (ConnectionError, RuntimeError) as err:
            raise ServiceUnavailableError(f"{self.uri} closed the connection: {err}") from err

    async def read(self, timeout: float | None = None) -> Event | None:
        """Next event, None when the service closed the connection.

        Whatever goes wrong is a ServiceUnavailableError naming the URI: silence, a reset, or
        an answer that is not a Wyoming event (an HTTP server, garbage, an oversized block).
        """
        if self._reader is None:
            raise ServiceUnavailableError("not connected")
        limit = self.read_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                return await read_event(self._reader, CLIENT_LIMITS)
        except TimeoutError as err:
            raise ServiceUnavailableError(f"{self.uri} did not answer within {limit} s") from err
        except ConnectionError as err:
            raise ServiceUnavailableError(f"{self.uri} closed the connection: {err}") from err
        except ProtocolError as err:
            raise ServiceUnavailableError(
                f"{self.uri} did not answer like a Wyoming service: {err}"
            ) from err

    async def read_until(
        self, is_last: Callable[[Event], bool], timeout: float | None = None
    ) -> list[Event]:
        """Read events until one satisfies is_last (included) or an error event arrives."""
        events: list[Event] = []
        while True:
            event = await self.read(timeout)
            if event is None:
                raise ServiceUnavailableError(f"{self.uri} closed the connection early")
            events.append(event)
            if is_last(event) or event.type == "error":
                return events


async def describe(uri: str, timeout: float = 5.0) -> Info:
    """describe → info round trip."""
    async with WyomingConnection(uri, connect_timeout=timeout, read_timeout=timeout) as conn:
        await conn.write(Describe().event())
        while True:
            event = await conn.read()
            if event is None:
                raise ServiceUnavailableError(f"{uri} closed the connection before info")
            if Info.is_type(event.type):
                return Info.from_event(event)
            if event.type == "error":
                code, text = event.data.get("code"), event.data.get("text")
                raise ServiceUnavailableError(f"{uri} answered describe with {code}: {text}")


SERVICE_KINDS: dict[str, str] = {
    "asr": "a speech-to-text service",
    "tts": "a text-to-speech service",
    "handle": "a conversation agent",
    "intent": "an intent recognizer",
    "wake": "a wake word service",
    "satellite": "a satellite",
    "mic": "a microphone service",
    "snd": "a sound output service",
}
"""What each kind of Wyoming service is called in messages (keys: the info fields)."""


def service_kinds(info: Info) -> list[str]:
    """The kinds a service offers, from its info ("asr", "tts", "handle", ...).

    A satellite also lists its local wake words: it is a satellite, not a wake service.
    """
    if info.satellite is not None:
        return ["satellite"]
    kinds: list[str] = []
    for kind in SERVICE_KINDS:
        programs = getattr(info, kind, None)
        if programs and any(getattr(p, "installed", True) for p in programs):
            kinds.append(kind)
    return kinds


def describe_kinds(kinds: list[str]) -> str:
    """ "a speech-to-text service", "a wake word service and a microphone service"..."""
    if not kinds:
        return "a Wyoming service that offers nothing (empty info)"
    return " and ".join(SERVICE_KINDS[kind] for kind in kinds)


class WrongServiceError(ServiceUnavailableError):
    """The URI points at another kind of service than the command needs."""

    code = "wrong-service"


async def expect_service(uri: str, kind: str, timeout: float = 5.0) -> Info:
    """describe, and check that uri is the kind of service a command needs ("asr", "tts",
    "handle", ...) before sending it a request it would silently ignore.

    Raises WrongServiceError ("tcp://host:10300 is a speech-to-text service, not a
    text-to-speech service") or ServiceUnavailableError (unreachable, not Wyoming, silent).
    """
    if kind not in SERVICE_KINDS:
        raise ValueError(f"unknown service kind {kind!r}")
    info = await describe(uri, timeout)
    kinds = service_kinds(info)
    if kind not in kinds:
        raise WrongServiceError(f"{uri} is {describe_kinds(kinds)}, not {SERVICE_KINDS[kind]}")
    return info
