"""Home Assistant's side of a satellite connection, built on the `wyoming` library.

Replays what HA's wyoming integration does (HA_CONTRACT §8): connect, run-satellite, describe,
a ping after each pong (fails the test if a pong takes longer than `pong_limit`), then the
pipeline events for a wake-word run, replies, announcements and timers.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.tts import Synthesize, SynthesizeVoice
from wyoming.vad import VoiceStarted, VoiceStopped

from wyoming_common.audio import AudioFormat

REPLY_FORMAT = AudioFormat(22050, 2, 1)
REPLY_CHUNK_BYTES = 2048


@dataclass
class PingStats:
    """Round trips of HA's keep-alive pings."""

    sent: int = 0
    answered: int = 0
    worst: float = 0.0
    late: list[float] = field(default_factory=list)


class FakeHomeAssistant:
    """One HA connection to the satellite; events other than pong land in `events`."""

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

    async def close(self) -> None:
        """Drop the connection (HA restarting, network loss)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
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
