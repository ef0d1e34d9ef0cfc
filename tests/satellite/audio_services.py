"""Small real Wyoming servers for the satellite's own audio side: a sound service, a wake word
service and an event receiver. Each records what it saw, in memory."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Info, WakeModel, WakeProgram
from wyoming.snd import Played
from wyoming.wake import Detect, Detection

from satellite.wake.engine import WakeWordDetector
from wyoming_common.audio import AudioFormat
from wyoming_common.handler import ServiceEventHandler

from .wyoming_services import artifact


@dataclass
class Playback:
    """One sound received by the sound service."""

    fmt: AudioFormat
    audio: bytearray = field(default_factory=bytearray)
    started: float = field(default_factory=time.monotonic)
    stopped: float | None = None

    @property
    def seconds(self) -> float:
        return self.fmt.seconds(len(self.audio))


class SndHandler(ServiceEventHandler):
    """audio-start/chunk/stop → played (at once: the test does not wait for real time)."""

    service = "test-snd"

    def __init__(self, *args: Any, playbacks: list[Playback], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.playbacks = playbacks
        self._current: Playback | None = None

    async def handle_request(self, event: Event) -> bool:
        if AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            self._current = Playback(AudioFormat(start.rate, start.width, start.channels))
            self.playbacks.append(self._current)
        elif AudioChunk.is_type(event.type) and self._current is not None:
            self._current.audio.extend(AudioChunk.from_event(event).audio)
        elif AudioStop.is_type(event.type) and self._current is not None:
            self._current.stopped = time.monotonic()
            self._current = None
            await self.write_event(Played().event())
        return True


class WakeHandler(ServiceEventHandler):
    """A Wyoming wake word service around one of our local detectors (detect → detection)."""

    service = "test-wake"

    def __init__(self, *args: Any, detector: WakeWordDetector, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detector = detector

    async def handle_request(self, event: Event) -> bool:
        if Detect.is_type(event.type):
            self.detector.reset()
        elif AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            hit = self.detector.process(chunk.audio)
            if hit:
                self.detector.reset()  # like real wake services: one detection per utterance
                await self.write_event(Detection(name=hit.name, timestamp=chunk.timestamp).event())
        return True


def wake_info(detector: WakeWordDetector) -> Info:
    models = [
        WakeModel(**artifact(m.name), languages=list(m.languages), phrase=m.phrase)
        for m in detector.program.models
    ]
    return Info(wake=[WakeProgram(**artifact("test-wake"), models=models)])


class EventSink(ServiceEventHandler):
    """Collects every event sent to it (an --event-uri receiver)."""

    service = "test-events"

    def __init__(self, *args: Any, events: list[Event], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = events

    async def handle_request(self, event: Event) -> bool:
        self.events.append(event)
        return True
