"""Remote Wyoming microphone and sound services (--mic-uri, --snd-uri)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.snd import Played

from wyoming_common.audio import AudioFormat
from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from ..errors import AudioDeviceError
from .mic import RawAudio

_LOGGER = logging.getLogger(__name__)


class WyomingMicrophone:
    """Audio from a Wyoming microphone service (e.g. wyoming-mic-external), which streams
    `audio-chunk` events as soon as a client connects."""

    def __init__(self, uri: str, *, silence_timeout: float = 5.0) -> None:
        self.uri = uri
        self.silence_timeout = silence_timeout

    @property
    def description(self) -> str:
        """The service URI."""
        return self.uri

    async def open(self) -> AsyncIterator[RawAudio]:
        """Connect and yield the service's audio until it stops."""
        conn = WyomingConnection(self.uri, read_timeout=self.silence_timeout)
        try:
            await conn.connect()
            while True:
                event = await conn.read()
                if event is None:
                    raise AudioDeviceError(f"{self.uri} closed the connection")
                if AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels)
                    yield RawAudio(chunk.audio, fmt)
        except ServiceUnavailableError as err:
            raise AudioDeviceError(str(err)) from err
        finally:
            await conn.close()


class WyomingSpeaker:
    """Plays through a Wyoming sound service (e.g. wyoming-snd-external).

    Sends audio-start/chunk/stop and waits for `played`; services too old to send it are
    given the audio's duration plus a margin.
    """

    def __init__(self, uri: str, *, margin: float = 2.0) -> None:
        self.uri = uri
        self.margin = margin

    @property
    def description(self) -> str:
        """The service URI."""
        return self.uri

    async def play(self, fmt: AudioFormat, audio: AsyncIterator[bytes]) -> None:
        """Send one sound and wait until the service has played it (closing the connection
        when cancelled stops the service playing it)."""
        conn = WyomingConnection(self.uri, read_timeout=None)
        try:
            seconds, started = await self._send(conn, fmt, audio)
            await self._wait_played(conn, started + seconds + self.margin)
        except ServiceUnavailableError as err:
            raise AudioDeviceError(str(err)) from err
        finally:
            await conn.close()

    async def _send(
        self, conn: WyomingConnection, fmt: AudioFormat, audio: AsyncIterator[bytes]
    ) -> tuple[float, float]:
        seconds = 0.0
        await conn.connect()
        started = asyncio.get_running_loop().time()
        await conn.write(AudioStart(fmt.rate, fmt.width, fmt.channels).event())
        async for data in audio:
            seconds += fmt.seconds(len(data))
            chunk = AudioChunk(rate=fmt.rate, width=fmt.width, channels=fmt.channels, audio=data)
            await conn.write(chunk.event())
        await conn.write(AudioStop().event())
        return seconds, started

    async def _wait_played(self, conn: WyomingConnection, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (remaining := deadline - loop.time()) > 0:
                event = await conn.read(timeout=remaining)
                if event is None or Played.is_type(event.type):
                    return
        except ServiceUnavailableError:
            # An old service that never sends `played`: the audio has had its time.
            _LOGGER.debug("%s sent no played event", self.uri)
