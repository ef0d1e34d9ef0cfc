"""State hooks: Wyoming events for --event-uri, JSON for --event-command, never blocking."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
from wyoming.audio import AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Info
from wyoming.timer import TimerFinished, TimerStarted
from wyoming.wake import Detection

from satellite.hooks import EventHooks, SatelliteState, StateChange

from .audio_services import EventSink
from .wyoming_services import serve

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("state", "data", "event_type"),
    [
        (SatelliteState.WAKE, {"name": "okay_nabu"}, "detection"),
        (SatelliteState.LISTENING, {}, "streaming-started"),
        (SatelliteState.THINKING, {}, "streaming-stopped"),
        (SatelliteState.SPEAKING, {"rate": 16000, "width": 2, "channels": 1}, "audio-start"),
        (SatelliteState.IDLE, {}, "played"),
        (SatelliteState.ERROR, {"text": "down", "code": "stt"}, "error"),
        (
            SatelliteState.TIMER,
            {"event": "started", "id": "t", "total_seconds": 5},
            "timer-started",
        ),
        (SatelliteState.TIMER, {"event": "finished", "id": "t"}, "timer-finished"),
        (SatelliteState.CONNECTED, {}, "satellite-connected"),
        (SatelliteState.DISCONNECTED, {}, "satellite-disconnected"),
    ],
)
def test_every_state_maps_to_a_wyoming_event(
    state: SatelliteState, data: dict[str, object], event_type: str
) -> None:
    event = StateChange(state, dict(data)).wyoming_event()
    assert event.type == event_type
    if state is SatelliteState.WAKE:
        assert Detection.from_event(event).name == "okay_nabu"
    if state is SatelliteState.SPEAKING:
        assert AudioStart.from_event(event).rate == 16000
    if state is SatelliteState.ERROR:
        assert Error.from_event(event).code == "stt"
    if event_type == "timer-started":
        assert TimerStarted.from_event(event).total_seconds == 5
    if event_type == "timer-finished":
        assert TimerFinished.from_event(event).id == "t"


async def test_event_uri_receives_states_in_order_and_reconnects() -> None:
    events: list[Event] = []
    async with serve(EventSink, Info(), events=events) as sink:
        hooks = EventHooks("Kitchen", uri=sink.uri)
        await hooks.start()
        hooks.emit(SatelliteState.WAKE, name="alexa")
        hooks.emit(SatelliteState.LISTENING)
        async with asyncio.timeout(5):
            while len(events) < 2:
                await asyncio.sleep(0.01)
        await hooks.stop()
    assert [e.type for e in events] == ["detection", "streaming-started"]


async def test_a_slow_command_never_blocks_the_satellite() -> None:
    hooks = EventHooks(
        "Kitchen", command=f"{sys.executable} -c 'import time; time.sleep(30)'", command_timeout=0.5
    )
    await hooks.start()
    started = time.monotonic()
    for _ in range(100):
        hooks.emit(SatelliteState.LISTENING)  # more than the queue holds: extras are dropped
    assert time.monotonic() - started < 0.1
    assert hooks.state is SatelliteState.LISTENING
    await asyncio.wait_for(hooks.stop(), 10)


async def test_a_missing_event_service_is_no_error() -> None:
    hooks = EventHooks("Kitchen", uri="tcp://127.0.0.1:9")
    await hooks.start()
    hooks.emit(SatelliteState.WAKE, name="okay_nabu")
    await asyncio.wait_for(hooks.stop(), 10)
