"""What `bench tts` measured, per server, as a table and as its JSON line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .tts_speech import RoundTrip, Spoken


@dataclass
class Row:
    """Medians of one text size and mode on one server."""

    text: str
    mode: str
    first_audio_p50: float
    total_p50: float
    audio_seconds: float
    describe_max_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """For the JSON line."""
        return {
            "text": self.text,
            "mode": self.mode,
            "first_audio_p50_s": round(self.first_audio_p50, 4),
            "total_p50_s": round(self.total_p50, 4),
            "audio_s": round(self.audio_seconds, 3),
            "real_time_factor": round(self.total_p50 / self.audio_seconds, 4)
            if self.audio_seconds
            else None,
            "describe_max_ms": None
            if self.describe_max_ms is None
            else round(self.describe_max_ms, 1),
        }


@dataclass
class Server:
    """One server under test and what was measured on it."""

    name: str
    uri: str
    rows: list[Row] = field(default_factory=list)
    spoken: list[Spoken] = field(default_factory=list)
    round_trip: RoundTrip | None = None


def _ratio(ours: float, peer: float) -> str:
    return f"{ours / peer:.2f}" if peer > 0 else "-"


def print_table(ours: Server, peer: Server | None) -> None:
    """The table: ours, the peer, and the ratios."""
    header = (
        f"{'text':<7} {'mode':<7} {'first audio':>11} {'total':>8} {'audio':>7} {'describe':>9}"
    )
    if peer is not None:
        header += f" | {peer.name + ' first':>19} {'total':>8} {'describe':>9}"
        header += f" {'first x':>8} {'total x':>8}"
    print(header)
    for index, row in enumerate(ours.rows):
        described = "-" if row.describe_max_ms is None else f"{row.describe_max_ms:.0f}ms"
        line = (
            f"{row.text:<7} {row.mode:<7} {row.first_audio_p50:>10.3f}s {row.total_p50:>7.3f}s "
            f"{row.audio_seconds:>6.2f}s {described:>9}"
        )
        if peer is not None:
            other = peer.rows[index]
            other_described = (
                "-" if other.describe_max_ms is None else f"{other.describe_max_ms:.0f}ms"
            )
            line += (
                f" | {other.first_audio_p50:>18.3f}s {other.total_p50:>7.3f}s {other_described:>9} "
                f"{_ratio(row.first_audio_p50, other.first_audio_p50):>8} "
                f"{_ratio(row.total_p50, other.total_p50):>8}"
            )
        print(line)
    print(
        "(medians; describe = slowest describe answer while synthesizing 10 sentences; "
        "x = ours / peer, below 1 is faster)"
    )
    for server in (ours, peer):
        if server is not None and server.round_trip is not None:
            trip = server.round_trip
            print(
                f"round trip {server.name}: Whisper base heard {trip.words - trip.errors}/"
                f"{trip.words} words right over {trip.clips} replies (WER {trip.wer:.1%})"
            )


def result_json(
    ours: Server, peer: Server | None, *, voice: str | None, runs: int
) -> dict[str, Any]:
    """The content of the JSON line."""
    result: dict[str, Any] = {
        "bench": "tts",
        "uri": ours.uri,
        "voice": voice,
        "runs": runs,
        "results": [row.as_dict() for row in ours.rows],
    }
    if ours.round_trip is not None:
        result["round_trip_wer"] = round(ours.round_trip.wer, 4)
    if peer is not None:
        result["peer"] = {"name": peer.name, "results": [row.as_dict() for row in peer.rows]}
        if peer.round_trip is not None:
            result["peer"]["round_trip_wer"] = round(peer.round_trip.wer, 4)
        result["ratios"] = [
            {
                "text": a.text,
                "mode": a.mode,
                "first_audio": round(a.first_audio_p50 / b.first_audio_p50, 3),
                "total": round(a.total_p50 / b.total_p50, 3),
            }
            for a, b in zip(ours.rows, peer.rows, strict=True)
            if b.first_audio_p50 > 0 and b.total_p50 > 0
        ]
    return result
