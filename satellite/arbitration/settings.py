"""Flags of wake word arbitration between the satellites of one household."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from wyoming_common.config import option

DEFAULT_PORT = 10701
MAX_WINDOW = 0.25


def window_seconds(text: str) -> float:
    """argparse type: an arbitration window, 0 < w <= 0.25 s."""
    value = float(text)
    if not 0.0 < value <= MAX_WINDOW:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most {MAX_WINDOW}, got {text}")
    return value


def peer_address(text: str) -> str:
    """argparse type: HOST:PORT of another satellite's arbitration socket."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return text


@dataclass(frozen=True)
class ArbitrationSettings:
    """Which satellites decide together who answers a wake word heard by several."""

    group: str | None = option(
        "default",
        flag="--arbitration-group",
        help="satellites with the same group name let only the one that heard the wake word "
        "best answer (found over zeroconf; empty: off)",
    )
    port: int = option(
        DEFAULT_PORT,
        flag="--arbitration-port",
        type=int,
        help="UDP port for arbitration messages (0: any free port)",
    )
    peers: tuple[str, ...] = option(
        (),
        flag="--arbitration-peer",
        repeat=True,
        type=peer_address,
        metavar="HOST:PORT",
        help="another satellite to arbitrate with, where zeroconf does not reach; repeatable",
    )
    window: float = option(
        0.2,
        flag="--arbitration-window",
        type=window_seconds,
        help="longest wait for the peers' evidence after a wake word, in seconds",
    )
    zeroconf: bool = option(
        True, flag="--no-arbitration-zeroconf", help="do not find peers over zeroconf"
    )

    def __post_init__(self) -> None:
        if self.group == "":
            object.__setattr__(self, "group", None)

    @property
    def enabled(self) -> bool:
        """True when a group name is set."""
        return self.group is not None
