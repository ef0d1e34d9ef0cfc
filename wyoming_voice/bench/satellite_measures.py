"""The three measurements of `bench satellite`: arbitration delay, stop latency, false wakes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from satellite.arbitration.arbiter import Arbiter, Decision
from satellite.arbitration.settings import ArbitrationSettings
from satellite.assembly import build_satellite
from satellite.devices.echo import build_echo_filter
from satellite.settings import SatelliteSettings
from satellite.wake.detectors import MicroWakeWordDetector
from satellite.wake.evidence import LoudnessTracker, WakeEvidence
from satellite.wake.stop import load_stop_detector
from wyoming_common.audio import STT_FORMAT, AudioFormat

from .children import free_udp_port
from .satellite_room import RoomMicrophone, RoomSpeaker

Address = tuple[str, int]


class _Peers:
    def __init__(self, ports: Sequence[int]) -> None:
        self._peers = {("127.0.0.1", p) for p in ports}

    def peers(self) -> set[Address]:
        return set(self._peers)

    async def start(self, port: int, name: str) -> None:
        """Static peers: nothing to announce."""

    async def stop(self) -> None:
        """Nothing to stop."""


def evidence_of(pcm: bytes, noise: bytes, score: float) -> WakeEvidence:
    """The evidence a satellite computes for this microphone audio (noise, then the word)."""
    tracker = LoudnessTracker()
    for chunk in (noise[:96000], pcm):
        for i in range(0, len(chunk), 2048):
            tracker.add(chunk[i : i + 2048])
    return tracker.evidence(score)


async def arbitration_delays(
    evidences: Sequence[WakeEvidence], hearing: Sequence[bool], rounds: int, window: float
) -> list[list[Decision]]:
    """Satellites on loopback UDP; those `hearing` contend at once; the decisions per round."""
    ports = [free_udp_port() for _ in evidences]
    arbiters = [
        Arbiter(
            "bench",
            directory=_Peers([p for p in ports if p != port]),
            live_evidence=lambda e=e: replace(e, score=0.0),  # type: ignore[misc]
            window=window,
            host="127.0.0.1",
            port=port,
            satellite_id=f"sat{i}",
        )
        for i, (port, e) in enumerate(zip(ports, evidences, strict=True))
    ]
    for arbiter in arbiters:
        await arbiter.start()
    results: list[list[Decision]] = []
    try:
        for n in range(rounds):
            word = f"word{n}"
            contests = [
                a.contend(word, e)
                for a, e, h in zip(arbiters, evidences, hearing, strict=True)
                if h
            ]
            results.append(list(await asyncio.gather(*contests)))
    finally:
        for arbiter in arbiters:
            await arbiter.stop()
    return results


@dataclass(frozen=True)
class StopRun:
    """One stop word said over a reply."""

    latency: float | None  # end of the word → the speaker stopped (None: not stopped)


def word_end(pcm: bytes, threshold_db: float = -45.0) -> float:
    """Seconds from the start of a clip to the end of its last loud 10 ms (trailing silence)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    frames = samples[: samples.size - samples.size % 160].reshape(-1, 160)
    levels = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.nonzero(levels > threshold_db)[0]
    return float((loud[-1] + 1) * 0.01) if loud.size else 0.0


async def stop_latencies(
    settings: SatelliteSettings, reply: bytes, reply_fmt: AudioFormat, stop: bytes, runs: int
) -> list[StopRun]:
    """A real satellite in a simulated room: the reply plays, "stop" is said over it."""
    settings = replace(settings, arbitration=ArbitrationSettings(group=None), follow_up_seconds=0.0)
    mic = RoomMicrophone(speed=1.0)
    room = RoomSpeaker(mic, echo_gain=0.5)
    parts = await build_satellite(settings, microphone=mic)
    parts.player.speaker = room
    await parts.satellite.start()
    results: list[StopRun] = []
    try:
        for n in range(runs):
            stream = parts.player.open(reply_fmt, "reply")
            stream.feed(reply)
            stream.finish()
            async with asyncio.timeout(10):
                while len(room.played) <= n or room.played[n].seconds < 1.0 + 0.1 * n:  # noqa: ASYNC110 (polls the simulated room)
                    await asyncio.sleep(0.01)
            said = mic.mix(stop) + word_end(stop)
            try:
                async with asyncio.timeout(5):
                    await stream.wait()
            except TimeoutError:
                pass
            record = room.played[n]
            stopped = record.interrupted and record.ended is not None
            results.append(StopRun(record.ended - said if stopped and record.ended else None))
            await asyncio.sleep(1.0)  # the tail, and a fresh detector
    finally:
        await parts.satellite.stop()
    return results


@dataclass(frozen=True)
class FalseWakes:
    """Detections on audio that holds no wake word and no stop word."""

    hours: float
    wake_raw: int  # the wake detector on the microphone, no gate
    wake_aec: int  # after the echo canceller, no gate
    wake_gated: int  # what the satellite does: deaf while it plays (+ tail)
    stop_raw: int  # the stop detector (it runs while we play)
    stop_aec: int


def _count(detector: object, pcm: bytes, reset: bool = True) -> int:
    process = detector.process  # type: ignore[attr-defined]
    if reset:
        detector.reset()  # type: ignore[attr-defined]
    hits, last = 0, -10.0
    for i in range(0, len(pcm), 2048):
        if process(pcm[i : i + 2048]) is not None:
            at = i / 32000
            if at - last > 2.0:  # one utterance, one detection (the refractory period)
                hits += 1
            last = at
    return hits


def false_wakes(noise: bytes, tts: bytes, minutes: float, echo_gain: float) -> FalseWakes:
    """Room noise looped for `minutes` with our own TTS playing over it half of the time."""
    n = int(minutes * 60 * STT_FORMAT.rate)
    room = np.resize(np.frombuffer(noise, dtype="<i2").astype(np.float32), n)
    voice = np.frombuffer(tts, dtype="<i2").astype(np.float32)
    playing = np.zeros(n, dtype=bool)
    reference = np.zeros(n, dtype=np.float32)
    period = voice.size * 2  # speak, then as long a pause
    for start in range(0, n - voice.size, period):
        reference[start : start + voice.size] = voice
        playing[start : start + voice.size] = True
    mic = np.clip(room + reference * echo_gain, -32768, 32767).astype("<i2").tobytes()
    echo = build_echo_filter("auto")
    aec = mic
    if echo is not None:  # the speaker's audio goes to the canceller as it is played
        ref = reference.astype("<i2").tobytes()
        pieces = []
        for i in range(0, len(mic), 2048):
            echo.push(ref[i : i + 2048], STT_FORMAT)
            pieces.append(echo.process(mic[i : i + 2048]))
        aec = b"".join(pieces).ljust(len(mic), b"\0")
    wake = MicroWakeWordDetector(["okay_nabu", "hey_jarvis", "alexa", "hey_mycroft"])
    stop = load_stop_detector("stop")
    return FalseWakes(
        hours=minutes / 60,
        wake_raw=_count(wake, mic),
        wake_aec=_count(wake, aec),
        wake_gated=_count(wake, _only(~playing, mic)),
        stop_raw=_count(stop, _only(playing, mic)),
        stop_aec=_count(stop, _only(playing, aec)),
    )


def _only(mask: np.ndarray, pcm: bytes) -> bytes:
    """The audio where mask is true, silence elsewhere."""
    samples = np.frombuffer(pcm, dtype="<i2")[: mask.size]
    return np.where(mask[: samples.size], samples, 0).astype("<i2").tobytes()
