"""What HA's wyoming integration does with a service: describe it, name it, add its entities,
and (for satellites) keep one connection per config entry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Artifact, Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.tts import Synthesize, SynthesizeVoice
from wyoming.vad import VoiceStarted, VoiceStopped

from wyoming_common.audio import AudioFormat

from .house import House
from .registry import slugify

_LOGGER = logging.getLogger(__name__)

DESCRIBE_TIMEOUT = 2.0
WYOMING = "wyoming"

_ArtifactT = TypeVar("_ArtifactT", bound=Artifact)


async def describe_wyoming(host: str, port: int) -> Info | None:
    """Send `describe` to host:port and return its `info`, or None if unreachable in 2 s."""
    try:
        async with asyncio.timeout(DESCRIBE_TIMEOUT):
            async with AsyncTcpClient(host, port) as client:
                await client.write_event(Describe().event())
                while (event := await client.read_event()) is not None:
                    if Info.is_type(event.type):
                        return Info.from_event(event)
    except (OSError, TimeoutError) as err:
        _LOGGER.debug("Cannot describe %s:%s: %r", host, port, err)
    return None


def _first_installed(programs: Iterable[_ArtifactT]) -> _ArtifactT | None:
    return next((p for p in programs if p.installed), None)


def service_name(info: Info) -> str | None:
    """Return the name HA titles the entry with (wyoming's `WyomingService.get_name`)."""
    if info.satellite is not None and info.satellite.installed:
        return str(info.satellite.name)
    for programs in (info.asr, info.tts, info.wake, info.handle, info.intent):
        if (program := _first_installed(programs)) is not None:
            return str(program.name)
    return None


def _free_entity_id(house: House, base: str) -> str:
    entity_id, index = base, 2
    while entity_id in house.states:
        entity_id, index = f"{base}_{index}", index + 1
    return entity_id


def create_entities(house: House, entry_id: str, info: Info) -> list[str]:
    """Add the entities HA's wyoming integration creates; returns their ids."""
    created: list[str] = []

    def add(entity_id: str, name: str, state: str, **kwargs: Any) -> None:
        entity_id = _free_entity_id(house, entity_id)
        house.add_entity(
            entity_id,
            name,
            state,
            kwargs.pop("attributes", None),
            platform=WYOMING,
            config_entry_id=entry_id,
            exposed=False,
            **kwargs,
        )
        created.append(entity_id)

    satellite = info.satellite
    if satellite is not None and satellite.installed:
        area_id = next(
            (
                a.area_id
                for a in house.areas.values()
                if satellite.area and a.name.casefold() == satellite.area.casefold()
            ),
            None,
        )
        device = house.add_device(
            satellite.name,
            area_id,
            manufacturer=satellite.attribution.name,
            config_entry_id=entry_id,
            identifiers=[(WYOMING, entry_id)],
        )
        slug, name = slugify(satellite.name), satellite.name
        config: dict[str, Any] = {"device_id": device.id, "entity_category": "config"}
        add(
            f"assist_satellite.{slug}",
            name,
            "idle",
            device_id=device.id,
            attributes={"supported_features": 1},
        )
        add(f"select.{slug}_assistant", f"{name} Assistant", "preferred", **config)
        # HA's unique id for the "Assistant" select (the entity id may get a `_2` suffix)
        house.entities[created[-1]].unique_id = f"{entry_id}-pipeline"
        add(
            f"select.{slug}_finished_speaking_detection",
            f"{name} Finished speaking detection",
            "default",
            **config,
        )
        add(
            f"select.{slug}_noise_suppression_level",
            f"{name} Noise suppression level",
            "off",
            **config,
        )
        add(f"number.{slug}_auto_gain", f"{name} Auto gain", "0", **config)
        add(f"number.{slug}_mic_volume", f"{name} Mic volume", "1.0", **config)
        add(f"switch.{slug}_mute", f"{name} Mute", "off", **config)
        add(
            f"binary_sensor.{slug}_assist_in_progress",
            f"{name} Assist in progress",
            "off",
            device_id=device.id,
        )
        return created
    programs: list[tuple[str, Artifact | None]] = [
        ("stt", _first_installed(info.asr)),
        ("tts", _first_installed(info.tts)),
        ("conversation", _first_installed(info.handle) or _first_installed(info.intent)),
        ("wake_word", _first_installed(info.wake)),
    ]
    for domain, program in programs:
        if program is not None:
            add(f"{domain}.{slugify(program.name)}", program.name, "unknown")
    return created


# -- HA's connections to satellites (HA_CONTRACT §8, §10b) -----------------------------------
REPLY_FORMAT = AudioFormat(22050, 2, 1)
REPLY_CHUNK_BYTES = 2048


@dataclass
class PingStats:
    """Round trips of HA's keep-alive pings."""

    sent: int = 0
    answered: int = 0
    worst: float = 0.0
    late: list[float] = field(default_factory=list)


class SatelliteConnection:
    """One HA connection to a satellite (one config entry's WyomingAssistSatellite): connect,
    run-satellite, describe, a ping after each pong (a pong later than `pong_limit` is
    recorded), then the pipeline events of wake-word runs, replies, announcements and timers.
    Events other than pong/info land in `events`."""

    def __init__(self, uri: str, *, ping_interval: float = 0.3, pong_limit: float = 1.0) -> None:
        host_port = uri.removeprefix("tcp://")
        host, port = host_port.rsplit(":", 1)
        self.client = AsyncTcpClient(host, int(port))
        self.ping_interval = ping_interval
        self.pong_limit = pong_limit
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.pings = PingStats()
        self.info: Info | None = None
        self.closed = asyncio.Event()
        self._write_lock = asyncio.Lock()
        self._pong = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def connect(self, *, run: bool = True) -> None:
        """Connect; like HA, send run-satellite then describe, and start pinging."""
        await self.client.connect()
        self._tasks.append(asyncio.create_task(self._read()))
        if run:
            await self.send(RunSatellite().event())
        await self.send(Describe().event())
        self._tasks.append(asyncio.create_task(self._ping()))

    async def close(self, *, pause: bool = False) -> None:
        """Drop the connection: HA restarting or the network gone; with `pause`, the way HA
        tears down a removed or disabled entry (pause-satellite, then disconnect)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if pause:
            with contextlib.suppress(ConnectionError, OSError):
                await self.send(PauseSatellite().event())
        await self.client.disconnect()

    async def send(self, event: Event) -> None:
        """Write one event."""
        async with self._write_lock:
            await self.client.write_event(event)

    async def _read(self) -> None:
        try:
            while (event := await self.client.read_event()) is not None:
                if Pong.is_type(event.type):
                    self._pong.set()
                elif Info.is_type(event.type):
                    self.info = Info.from_event(event)
                else:
                    self.events.put_nowait(event)
        finally:
            self.closed.set()

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            self._pong.clear()
            started = time.monotonic()
            await self.send(Ping(text=str(self.pings.sent)).event())
            self.pings.sent += 1
            try:
                await asyncio.wait_for(self._pong.wait(), 5.0)
            except TimeoutError:
                self.pings.late.append(5.0)
                continue
            elapsed = time.monotonic() - started
            self.pings.answered += 1
            self.pings.worst = max(self.pings.worst, elapsed)
            if elapsed > self.pong_limit:
                self.pings.late.append(elapsed)

    async def next_event(self, timeout: float = 10.0) -> Event:
        """The next event from the satellite."""
        return await asyncio.wait_for(self.events.get(), timeout)

    async def wait_for(self, event_type: str, timeout: float = 10.0) -> tuple[Event, list[Event]]:
        """Skip to the next event of a type; returns it and what came before."""
        skipped: list[Event] = []
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if event.type == event_type:
                    return event, skipped
                skipped.append(event)

    async def collect_audio(self, seconds: float, timeout: float = 10.0) -> bytes:
        """Read the command stream until `seconds` of audio arrived (like HA's STT)."""
        audio = bytearray()
        fmt: AudioFormat | None = None
        async with asyncio.timeout(timeout):
            while fmt is None or fmt.seconds(len(audio)) < seconds:
                event = await self.events.get()
                if AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    fmt = AudioFormat(chunk.rate, chunk.width, chunk.channels)
                    audio.extend(chunk.audio)
                elif AudioStop.is_type(event.type):
                    break
        return bytes(audio)

    async def pipeline_stt_events(self, text: str) -> None:
        """What HA sends while its STT runs: transcribe, VAD start/stop, then the transcript."""
        await self.send(Transcribe(language="en").event())
        await self.send(VoiceStarted(timestamp=0).event())
        await self.send(VoiceStopped(timestamp=1000).event())
        await self.send(Transcript(text=text).event())

    async def send_audio(self, audio: bytes, *, with_synthesize: str | None = None) -> None:
        """Reply audio (or an announcement) the way HA streams TTS: 22050 Hz, 2048 B chunks."""
        if with_synthesize is not None:
            voice = SynthesizeVoice(language="en")
            await self.send(Synthesize(text=with_synthesize, voice=voice).event())
        fmt = REPLY_FORMAT
        await self.send(AudioStart(fmt.rate, fmt.width, fmt.channels, timestamp=0).event())
        for i in range(0, len(audio), REPLY_CHUNK_BYTES):
            chunk = AudioChunk(fmt.rate, fmt.width, fmt.channels, audio[i : i + REPLY_CHUNK_BYTES])
            await self.send(chunk.event())
        await self.send(AudioStop().event())

    async def pause(self) -> None:
        """pause-satellite (the mute switch)."""
        await self.send(PauseSatellite().event())


class SatelliteEntries:
    """The satellite config entries of one HA: each keeps its own connection, as HA 2026.11
    does for duplicate entries of one host:port (HA_CONTRACT §10b)."""

    def __init__(self) -> None:
        self.connections: dict[str, SatelliteConnection] = {}

    async def add(self, entry_id: str, uri: str) -> SatelliteConnection:
        """Set up an entry: connect, run-satellite, describe, keep pinging."""
        connection = SatelliteConnection(uri)
        await connection.connect()
        self.connections[entry_id] = connection
        return connection

    async def remove(self, entry_id: str) -> None:
        """Delete an entry: HA sends pause-satellite on its connection and disconnects."""
        connection = self.connections.pop(entry_id, None)
        if connection is not None:
            await connection.close(pause=True)

    async def close(self) -> None:
        """HA stops: every connection drops."""
        for entry_id in list(self.connections):
            await self.connections.pop(entry_id).close()
