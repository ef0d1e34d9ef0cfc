"""Request counters and latency histograms in the Prometheus text format."""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from dataclasses import dataclass, field

_LOGGER = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

Labels = tuple[tuple[str, str], ...]


@dataclass
class _Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        if not self.counts:
            self.counts = [0] * len(self.buckets)
        index = bisect.bisect_left(self.buckets, value)
        for i in range(index, len(self.buckets)):
            self.counts[i] += 1
        self.total += value
        self.count += 1


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


def _format_labels(labels: Labels, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    body = ",".join(f'{key}="{_escape(value)}"' for key, value in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    """Label value escaping of the text format: backslash, double quote, newline."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    """Full precision: `:g` keeps 6 digits, so 1234567 bytes would read 1.23457e+06."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Metrics:
    """In-memory counters and histograms for one service process."""

    def __init__(self, namespace: str = "wyoming_voice") -> None:
        self.namespace = namespace
        self._counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self._histograms: dict[str, dict[Labels, _Histogram]] = defaultdict(dict)
        self._help: dict[str, str] = {}

    def inc(self, name: str, help_text: str = "", amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        self._help.setdefault(name, help_text)
        self._counters[name][_labels(labels)] += amount

    def observe(self, name: str, seconds: float, help_text: str = "", **labels: str) -> None:
        """Record one latency in seconds."""
        self._help.setdefault(name, help_text)
        series = self._histograms[name]
        key = _labels(labels)
        if key not in series:
            series[key] = _Histogram(LATENCY_BUCKETS)
        series[key].observe(seconds)

    def counter_value(self, name: str, **labels: str) -> float:
        """Current value of a counter (0 when never incremented)."""
        return self._counters.get(name, {}).get(_labels(labels), 0.0)

    def render(self) -> str:
        """Prometheus exposition text."""
        lines: list[str] = []
        for name, series in sorted(self._counters.items()):
            full = f"{self.namespace}_{name}"
            lines += [f"# HELP {full} {self._help.get(name, '')}", f"# TYPE {full} counter"]
            lines += [f"{full}{_format_labels(k)} {_number(v)}" for k, v in sorted(series.items())]
        for name, hists in sorted(self._histograms.items()):
            full = f"{self.namespace}_{name}"
            lines += [f"# HELP {full} {self._help.get(name, '')}", f"# TYPE {full} histogram"]
            for key, hist in sorted(hists.items()):
                counts = hist.counts or [0] * len(hist.buckets)
                for bound, count in zip(hist.buckets, counts, strict=True):
                    le = (("le", f"{bound:g}"),)
                    lines.append(f"{full}_bucket{_format_labels(key, le)} {count}")
                lines.append(f"{full}_bucket{_format_labels(key, (('le', '+Inf'),))} {hist.count}")
                lines.append(f"{full}_sum{_format_labels(key)} {_number(hist.total)}")
                lines.append(f"{full}_count{_format_labels(key)} {hist.count}")
        return "\n".join(lines) + "\n"


class MetricsServer:
    """Serves /metrics over HTTP with aiohttp (imported only when used)."""

    def __init__(self, metrics: Metrics, port: int, host: str = "127.0.0.1") -> None:
        self.metrics = metrics
        self.port = port
        self.host = host
        self._runner: object | None = None

    async def start(self) -> None:
        """Start listening."""
        from aiohttp import web

        async def handle(_request: web.Request) -> web.Response:
            return web.Response(text=self.metrics.render(), content_type="text/plain")

        app = web.Application()
        app.router.add_get("/metrics", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        _LOGGER.info("Metrics at http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        from aiohttp import web

        if isinstance(self._runner, web.AppRunner):
            await self._runner.cleanup()
        self._runner = None
