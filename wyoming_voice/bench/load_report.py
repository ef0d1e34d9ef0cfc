"""What `bench load` prints: the JSON line (requests, latency percentiles, errors by code,
describe under load, server memory) and its human-readable table."""

from __future__ import annotations

import argparse
import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Results:
    """What the clients and the prober saw."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    describe: list[float] = field(default_factory=list)
    describe_failures: int = 0
    rss: list[int] = field(default_factory=list)
    rss_before: int | None = None
    rss_after: int | None = None
    seconds: float = 0.0


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value / (1024 * 1024), 1)


def summary(uri: str, kind: str, args: argparse.Namespace, results: Results) -> dict[str, Any]:
    """The JSON line."""
    seconds, ok = results.seconds, results.latencies
    return {
        "bench": "load",
        "uri": uri,
        "kind": kind,
        "clients": args.clients,
        "seconds": round(seconds, 2),
        "requests_ok": len(ok),
        "requests_per_second": round(len(ok) / seconds, 2) if seconds else None,
        "latency_p50_ms": _ms(statistics.median(ok) if ok else None),
        "latency_p95_ms": _ms(_percentile(ok, 0.95)),
        "errors": dict(results.errors),
        "describe_count": len(results.describe),
        "describe_failures": results.describe_failures,
        "describe_p50_ms": _ms(statistics.median(results.describe) if results.describe else None),
        "describe_p95_ms": _ms(_percentile(results.describe, 0.95)),
        "describe_max_ms": _ms(max(results.describe) if results.describe else None),
        "rss_before_mb": _mb(results.rss_before),
        "rss_peak_mb": _mb(max(results.rss) if results.rss else None),
        "rss_after_mb": _mb(results.rss_after),
    }


def _values(row: dict[str, Any], keys: Sequence[str], unit: str) -> str:
    return " / ".join("-" if row[key] is None else f"{row[key]}{unit}" for key in keys)


def print_table(row: dict[str, Any]) -> None:
    """The human-readable view of the JSON line."""
    errors = ", ".join(f"{code} {count}" for code, count in row["errors"].items()) or "none"
    probes = f"({row['describe_count']} probes, {row['describe_failures']} failed)"
    lines = [
        ("requests ok", f"{row['requests_ok']} ({row['requests_per_second']}/s)"),
        ("latency p50 / p95", _values(row, ("latency_p50_ms", "latency_p95_ms"), " ms")),
        ("errors", errors),
        (
            "describe p50 / p95 / max",
            f"{_values(row, ('describe_p50_ms', 'describe_p95_ms', 'describe_max_ms'), ' ms')} "
            f"{probes}",
        ),
        (
            "server RSS before / peak / after",
            _values(row, ("rss_before_mb", "rss_peak_mb", "rss_after_mb"), " MB"),
        ),
    ]
    width = max(len(name) for name, _value in lines)
    for name, value in lines:
        print(f"  {name:<{width}}  {value}")
