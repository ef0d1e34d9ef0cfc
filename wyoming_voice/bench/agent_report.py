"""Results of `bench agent`: one record per sentence, summaries per category and overall,
the table and the JSON line."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .agent_judge import OUTCOMES


@dataclass
class SentenceResult:
    """One sentence tried in one home."""

    case_file: str
    category: str
    sentence: str
    outcome: str
    reply: str
    handled: bool
    seconds: float
    problems: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Summary:
    """Counts and latency of a group of sentences."""

    sentences: int
    counts: dict[str, int]
    p50_ms: float
    p95_ms: float

    @property
    def passed_pct(self) -> float:
        """Share passed, in percent."""
        return 100.0 * self.counts["passed"] / self.sentences if self.sentences else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly."""
        return {
            "sentences": self.sentences,
            **self.counts,
            "passed_pct": round(self.passed_pct, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
        }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summarize(results: Iterable[SentenceResult]) -> Summary:
    """Counts per outcome and latency of the final turn."""
    items = list(results)
    counts = {outcome: 0 for outcome in OUTCOMES}
    for item in items:
        counts[item.outcome] += 1
    latencies = [item.seconds * 1000 for item in items if item.outcome != "error"]
    median = statistics.median(latencies) if latencies else 0.0
    return Summary(len(items), counts, median, percentile(latencies, 0.95))


def by_category(results: Sequence[SentenceResult]) -> dict[str, Summary]:
    """Summaries per category, in first-seen order."""
    names = list(dict.fromkeys(r.category for r in results))
    return {name: summarize(r for r in results if r.category == name) for name in names}


def table(results: Sequence[SentenceResult]) -> str:
    """The fixed-width table: one row per category, then the overall row."""
    header = (
        f"{'category':<20} {'n':>4} {'passed':>7} {'pass%':>6} {'wrong':>6} {'nomatch':>7} "
        f"{'falseok':>7} {'answer':>6} {'error':>5} {'p50 ms':>8} {'p95 ms':>8}"
    )
    rows = [header, "-" * len(header)]
    groups = [*by_category(results).items(), ("overall", summarize(results))]
    for name, summary in groups:
        if name == "overall":
            rows.append("-" * len(header))
        c = summary.counts
        rows.append(
            f"{name[:20]:<20} {summary.sentences:>4} {c['passed']:>7} {summary.passed_pct:>6.1f} "
            f"{c['wrong_action']:>6} {c['no_match']:>7} {c['false_success']:>7} "
            f"{c['wrong_answer']:>6} {c['error']:>5} {summary.p50_ms:>8.1f} {summary.p95_ms:>8.1f}"
        )
    return "\n".join(rows)


def failure_lines(results: Sequence[SentenceResult], outcomes: Iterable[str]) -> list[str]:
    """One line per sentence with one of `outcomes`."""
    wanted = set(outcomes)
    return [
        f"[{r.outcome}] {r.case_file}/{r.category}: {r.sentence!r} → {r.reply!r}"
        + (f" ({'; '.join(r.problems)})" if r.problems else "")
        for r in results
        if r.outcome in wanted
    ]


def json_report(results: Sequence[SentenceResult], meta: dict[str, Any]) -> dict[str, Any]:
    """The machine-readable report (the JSON line)."""
    return {
        "bench": "agent",
        **meta,
        "overall": summarize(results).as_dict(),
        "categories": {name: s.as_dict() for name, s in by_category(results).items()},
        "failures": [asdict(r) for r in results if r.outcome != "passed"],
    }
