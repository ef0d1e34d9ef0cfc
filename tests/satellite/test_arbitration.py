"""Wake word arbitration (issue 16 item 1): the arbiters over real UDP on loopback, the peers
over zeroconf on loopback, and two real satellites hearing the same wake word at different
levels — only the louder one talks to Home Assistant."""

from __future__ import annotations

import asyncio
import socket

import numpy as np
import pytest

from satellite.arbitration.arbiter import Arbiter
from satellite.arbitration.messages import ArbitrationMessage
from satellite.arbitration.peers import PeerDirectory
from satellite.arbitration.settings import ArbitrationSettings
from satellite.settings import SndSettings
from satellite.wake.evidence import WakeEvidence
from tests.fake_hass.wyoming_service import SatelliteConnection
from tests.support.services import shared_path
from wyoming_common.errors import ConfigError
from wyoming_voice.bench.children import free_udp_port

from .harness import (
    ScriptedMicrophone,
    pcm_of,
    running_satellite,
    satellite_settings,
    wait_until,
    wake_clip,
)

pytestmark = pytest.mark.timeout(60)
LOOPBACK = ["127.0.0.1"]


class StaticPeers:
    """A fixed peer list (what --arbitration-peer gives)."""

    def __init__(self, *ports: int) -> None:
        self.addresses = {("127.0.0.1", p) for p in ports}

    def peers(self) -> set[tuple[str, int]]:
        return set(self.addresses)

    async def start(self, port: int, name: str) -> None:
        """Nothing to announce."""

    async def stop(self) -> None:
        """Nothing to stop."""


def arbiter(port: int, peers: StaticPeers, live: float = 0.0, ident: str = "") -> Arbiter:
    return Arbiter(
        "home",
        directory=peers,
        live_evidence=lambda: WakeEvidence(score=0.0, snr_db=live),
        window=0.2,
        host="127.0.0.1",
        port=port,
        satellite_id=ident or None,
    )


async def test_a_satellite_alone_proceeds_at_once() -> None:
    alone = arbiter(0, StaticPeers())
    await alone.start()
    try:
        decision = await alone.contend("okay_nabu", WakeEvidence(0.9, 20.0))
    finally:
        await alone.stop()
    assert decision.won and decision.waited == 0.0 and decision.reason == "alone"


async def test_peers_decide_within_the_window() -> None:
    pa, pb, silent = free_udp_port(), free_udp_port(), free_udp_port()
    a = arbiter(pa, StaticPeers(pb), ident="a")
    b = arbiter(pb, StaticPeers(pa), live=3.0, ident="b")
    await a.start()
    await b.start()
    try:
        # B did not hear it (the best it could reach is 3 + 10 dB): A goes on after a round trip.
        won = await a.contend("okay_nabu", WakeEvidence(0.9, 20.0))
        assert won.won and won.waited < 0.1, won
        # B's detector fires 50 ms later, weaker: it stays silent without waiting.
        await asyncio.sleep(0.05)
        lost = await b.contend("okay_nabu", WakeEvidence(0.8, 6.0))
        assert not lost.won and lost.waited == 0.0, lost
        # Both hear the next one at once: only the better one answers.
        await asyncio.sleep(1.6)
        results = await asyncio.gather(
            a.contend("hey_jarvis", WakeEvidence(0.7, 8.0)),
            b.contend("hey_jarvis", WakeEvidence(0.9, 15.0)),
        )
        assert [r.won for r in results] == [False, True], results
        assert all(r.waited < 0.2 for r in results)
        # A peer that never answers costs the window, then the satellite goes on.
        lonely = arbiter(0, StaticPeers(silent), ident="c")
        await lonely.start()
        try:
            late = await lonely.contend("alexa", WakeEvidence(0.9, 20.0))
        finally:
            await lonely.stop()
        assert late.won and 0.19 <= late.waited < 0.3, late
    finally:
        await a.stop()
        await b.stop()


def test_garbage_datagrams_are_ignored() -> None:
    assert ArbitrationMessage.decode(b"\xff\x00") is None
    assert ArbitrationMessage.decode(b'{"v":1,"kind":"claim"}') is None
    assert ArbitrationMessage.decode(b"[" * 5000) is None
    message = ArbitrationMessage("claim", "home", "a", "okay_nabu", "a-1", 12.5)
    assert ArbitrationMessage.decode(message.encode()) == message


async def test_peers_find_each_other_over_zeroconf() -> None:
    kitchen = PeerDirectory("home", "kitchen1", interfaces=LOOPBACK, advertise_host="127.0.0.1")
    office = PeerDirectory("home", "office1", interfaces=LOOPBACK, advertise_host="127.0.0.1")
    neighbour = PeerDirectory("other", "next1", interfaces=LOOPBACK, advertise_host="127.0.0.1")
    await kitchen.start(40001, "Kitchen")
    await office.start(40002, "Office")
    await neighbour.start(40003, "Next door")
    try:
        async with asyncio.timeout(10):
            while kitchen.peers() != {("127.0.0.1", 40002)} or not office.peers():
                await asyncio.sleep(0.1)
        assert office.peers() == {("127.0.0.1", 40001)}
    finally:
        for directory in (kitchen, office, neighbour):
            await directory.stop()


def _mix(speech: bytes, noise: bytes, gain: float) -> bytes:
    """The same room noise for both, the wake word at a distance-dependent level."""
    s = np.frombuffer(speech, dtype="<i2").astype(np.float32) * gain
    n = np.resize(np.frombuffer(noise, dtype="<i2").astype(np.float32), s.size + 32000)
    out = n.copy()
    out[16000 : 16000 + s.size] += s
    return np.clip(out, -32768, 32767).astype("<i2").tobytes()


async def test_only_the_louder_satellite_answers_the_wake_word() -> None:
    pa, pb = free_udp_port(), free_udp_port()
    noise = pcm_of(shared_path("audio", "misc", "background_noise.wav"))
    noise = (np.frombuffer(noise, dtype="<i2") * 0.3).astype("<i2").tobytes()
    wake = pcm_of(wake_clip())
    mics = {"near": ScriptedMicrophone(), "far": ScriptedMicrophone()}
    settings = {
        name: satellite_settings(
            name=f"{name} satellite",
            snd=SndSettings(command=None),
            arbitration=ArbitrationSettings(
                group="home", port=port, peers=(f"127.0.0.1:{peer}",), zeroconf=False
            ),
        )
        for name, port, peer in (("near", pa, pb), ("far", pb, pa))
    }
    async with (
        running_satellite(settings["near"], mics["near"]) as (near, near_runner),
        running_satellite(settings["far"], mics["far"]) as (far, far_runner),
    ):
        ha = {
            "near": SatelliteConnection(near_runner.uri),
            "far": SatelliteConnection(far_runner.uri),
        }
        for connection in ha.values():
            await connection.connect()
        try:
            await wait_until(lambda: near.satellite.ha.active_server is not None, 15.0)
            await wait_until(lambda: far.satellite.ha.active_server is not None, 15.0)
            for _ in range(3):  # a few seconds of room noise: the noise floor
                mics["near"].enqueue(noise[:32000])
                mics["far"].enqueue(noise[:32000])
            mics["near"].enqueue(_mix(wake, noise, 1.0))
            mics["far"].enqueue(_mix(wake, noise, 0.3))
            await ha["near"].wait_for("run-pipeline", timeout=15)
            await wait_until(lambda: bool(far.satellite.trigger.decisions), timeout=5)
            await asyncio.sleep(0.5)
            far_events = [e.type for e in list(ha["far"].events._queue)]
            assert "detection" not in far_events and "run-pipeline" not in far_events
        finally:
            for connection in ha.values():
                await connection.close()
    near_decision = near.satellite.trigger.decisions[-1]
    far_decision = far.satellite.trigger.decisions[-1]
    assert near_decision.answer and not far_decision.answer
    assert near_decision.evidence.value > far_decision.evidence.value
    assert near_decision.arbitration.waited <= 0.25
    print(
        f"\nnear: {near_decision.evidence}, "
        f"waited {near_decision.arbitration.waited * 1000:.1f} ms;"
        f" far: {far_decision.evidence} ({far_decision.arbitration.reason})"
    )


async def test_a_taken_port_names_the_flag() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        busy = arbiter(int(taken.getsockname()[1]), StaticPeers())
        with pytest.raises(ConfigError, match="--arbitration-port"):
            await busy.start()
