"""Decides, over UDP with the peers of one group, whether this satellite answers a wake word.

When the detector fires, `contend()` sends a claim to every known peer and waits at most the
window (≤ 250 ms) for their answers: a peer that heard the word too sends its own claim, a peer
that did not answers with the best evidence it could still reach. The satellite proceeds as
soon as every peer has answered with less (usually a round trip, ~1 ms on a LAN), at once when
it has no peers, and at the end of the window when some peer stays silent. It stays silent as
soon as a better claim arrives, including one that arrived just before its own detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from wyoming_common.errors import ConfigError

from ..wake.evidence import WakeEvidence
from .messages import ArbitrationMessage, beats

_LOGGER = logging.getLogger(__name__)

CLAIM_MEMORY = 1.5  # seconds a peer's claim still counts against a late detection
Address = tuple[str, int]


def new_satellite_id() -> str:
    """A random id for one run of a satellite (ties between equal evidence go to the lower)."""
    return uuid.uuid4().hex[:12]


class PeerSource(Protocol):
    """Where the peers are (see peers.PeerDirectory)."""

    def peers(self) -> set[Address]:
        """The peers' UDP addresses known now."""
        ...

    async def start(self, port: int, name: str) -> None:
        """Announce our socket and start looking for peers."""
        ...

    async def stop(self) -> None:
        """Stop announcing and looking."""
        ...


@dataclass(frozen=True)
class Decision:
    """The outcome of one wake word."""

    won: bool
    waited: float
    peers: int
    reason: str


@dataclass
class _Contest:
    """One claim of ours, waiting for the peers."""

    word: str
    round: str
    value: float
    answers: dict[Address, float] = field(default_factory=dict)
    beaten_by: str | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, arbiter: Arbiter) -> None:
        self.arbiter = arbiter

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        message = ArbitrationMessage.decode(data)
        if message is not None:
            self.arbiter.received(message, (str(addr[0]), int(str(addr[1]))))


class Arbiter:
    """One satellite's side of the arbitration (its UDP socket, its claims, its peers)."""

    def __init__(
        self,
        group: str,
        *,
        directory: PeerSource,
        live_evidence: Callable[[], WakeEvidence],
        window: float = 0.2,
        host: str = "0.0.0.0",
        port: int = 0,
        name: str = "satellite",
        satellite_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.group = group
        self.window = window
        self.host = host
        self.requested_port = port
        self.name = name
        self.satellite_id = satellite_id or new_satellite_id()
        self.directory = directory
        self._live_evidence = live_evidence
        self._clock = clock
        self._transport: asyncio.DatagramTransport | None = None
        self._contest: _Contest | None = None
        self._claims: deque[tuple[float, ArbitrationMessage, Address]] = deque(maxlen=64)
        self._mine: dict[str, tuple[float, ArbitrationMessage]] = {}
        self._rounds = itertools.count(1)
        self.port = port

    async def start(self) -> None:
        """Open the UDP socket."""
        loop = asyncio.get_running_loop()
        try:
            transport, _protocol = await loop.create_datagram_endpoint(
                lambda: _Endpoint(self), local_addr=(self.host, self.requested_port)
            )
        except OSError as err:
            raise ConfigError(
                "--arbitration-port",
                f"cannot use UDP port {self.requested_port} ({err.strerror or err}): another "
                "satellite on this machine? Give each its own port, or 0",
            ) from err
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        _LOGGER.info("Wake word arbitration: group %r on UDP port %d", self.group, self.port)
        await self.directory.start(self.port, self.name)

    async def stop(self) -> None:
        """Close the socket."""
        await self.directory.stop()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def peers(self) -> set[Address]:
        """The peers known now (zeroconf and --arbitration-peer)."""
        return self.directory.peers()

    async def contend(self, word: str, evidence: WakeEvidence) -> Decision:
        """Whether this satellite answers the wake word it just heard."""
        started = self._clock()
        peers = self.peers()
        value = evidence.value
        if not peers or self._transport is None:
            return Decision(True, 0.0, 0, "alone")
        contest = _Contest(word, f"{self.satellite_id}-{next(self._rounds)}", value)
        for received_at, earlier, addr in self._claims:
            if earlier.word != word or started - received_at > CLAIM_MEMORY:
                continue
            if beats(earlier.value, earlier.sender, value, self.satellite_id):
                return Decision(False, 0.0, len(peers), f"{earlier.sender} heard it better")
            contest.answers[addr] = earlier.value  # it claimed first, and less: answered
        self._contest = contest
        claim = ArbitrationMessage(
            "claim", self.group, self.satellite_id, word, contest.round, value
        )
        self._mine[word] = (started, claim)
        self._send(claim, peers)
        try:
            return await self._wait(contest, peers, started)
        finally:
            self._contest = None

    async def _wait(self, contest: _Contest, peers: set[Address], started: float) -> Decision:
        deadline = started + self.window
        while True:
            if contest.beaten_by is not None:
                return self._decided(False, started, peers, f"{contest.beaten_by} heard it better")
            if peers <= set(contest.answers):
                return self._decided(True, started, peers, "every peer heard it less")
            remaining = deadline - self._clock()
            if remaining <= 0:
                missing = len(peers - set(contest.answers))
                return self._decided(True, started, peers, f"{missing} peer(s) did not answer")
            contest.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await contest.changed.wait()

    def _decided(self, won: bool, started: float, peers: set[Address], reason: str) -> Decision:
        decision = Decision(won, self._clock() - started, len(peers), reason)
        _LOGGER.debug(
            "Arbitration: %s after %.1f ms (%s)",
            "won" if won else "lost",
            decision.waited * 1000,
            reason,
        )
        return decision

    def received(self, message: ArbitrationMessage, addr: Address) -> None:
        """A datagram from a peer (or from anyone: other groups and ourselves are ignored)."""
        if message.group != self.group or message.sender == self.satellite_id:
            return
        contest = self._contest
        if message.kind == "claim":
            self._claims.append((self._clock(), message, addr))
            if contest is not None and contest.word == message.word:
                if beats(message.value, message.sender, contest.value, self.satellite_id):
                    contest.beaten_by = message.sender
                contest.answers[addr] = message.value
                contest.changed.set()
            else:
                self._answer(message, addr)
        elif contest is not None and message.round == contest.round:
            if beats(message.value, message.sender, contest.value, self.satellite_id):
                return  # it could still beat us: wait for its claim or the window's end
            contest.answers[addr] = message.value
            contest.changed.set()

    def _answer(self, claim: ArbitrationMessage, addr: Address) -> None:
        """Tell a claimant what we heard: our own recent claim, or the best we could reach."""
        mine = self._mine.get(claim.word)
        if mine is not None and self._clock() - mine[0] <= CLAIM_MEMORY:
            self._send(mine[1], {addr})
            return
        bound = self._live_evidence().best_possible
        status = ArbitrationMessage(
            "status", self.group, self.satellite_id, claim.word, claim.round, bound
        )
        self._send(status, {addr})

    def _send(self, message: ArbitrationMessage, peers: Iterable[Address]) -> None:
        if self._transport is None:
            return
        data = message.encode()
        for peer in peers:
            try:
                self._transport.sendto(data, peer)
            except OSError as err:
                _LOGGER.debug("Cannot reach arbitration peer %s: %s", peer, err)
