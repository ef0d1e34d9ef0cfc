"""Metrics: valid Prometheus exposition text, and /metrics over real HTTP."""

from __future__ import annotations

import asyncio
import math
import re

import aiohttp

from tests.support.services import running_service
from wyoming_common.metrics import LATENCY_BUCKETS, Metrics, MetricsServer

from .helpers import connect, free_port, recording_factory

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(rf"^({_NAME})(\{{(?:{_LABEL})(?:,{_LABEL})*\}})? (\S+)$")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_exposition(text: str) -> dict[str, dict[str, object]]:
    """A strict little parser of the Prometheus text format (0.0.4).

    Returns {family: {"type": ..., "help": ..., "samples": [(name, labels, value)]}} and
    fails on anything the format does not allow.
    """
    assert text.endswith("\n")
    families: dict[str, dict[str, object]] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line:
            continue  # the format ignores empty lines
        if line.startswith("# HELP "):
            name, _sep, help_text = line[7:].partition(" ")
            assert re.fullmatch(_NAME, name), line
            assert name not in families, f"family {name} declared twice"
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
            continue
        if line.startswith("# TYPE "):
            name, kind = line[7:].split(" ")
            assert name == current, f"TYPE for {name} outside its family"
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped")
            families[name]["type"] = kind
            continue
        assert not line.startswith("#"), line
        match = _SAMPLE.match(line)
        assert match, f"invalid sample line: {line!r}"
        sample, labels, value = match.groups()
        assert current is not None and sample.startswith(current), line
        number = float(value)  # accepts +Inf/NaN spellings Prometheus allows
        assert not math.isnan(number)
        parsed_labels = dict(_LABEL_PAIR.findall(labels or ""))
        families[current]["samples"].append((sample, parsed_labels, number))  # type: ignore[union-attr]
    return families


def test_counters_and_histograms_render_valid_text() -> None:
    metrics = Metrics()
    metrics.inc("requests_total", "Requests started", kind="transcribe")
    metrics.inc("requests_total", "Requests started", kind="transcribe")
    metrics.inc("requests_total", "Requests started", kind="synthesize")
    metrics.inc("audio_bytes_total", "Audio bytes received", amount=123_456_789)
    for seconds in (0.003, 0.02, 0.02, 0.7, 45.0):
        metrics.observe("request_seconds", seconds, "Request latency", kind="transcribe")

    families = parse_exposition(metrics.render())

    requests = families["wyoming_voice_requests_total"]
    assert requests["type"] == "counter"
    assert requests["help"] == "Requests started"
    assert requests["samples"] == [  # sorted by labels
        ("wyoming_voice_requests_total", {"kind": "synthesize"}, 1.0),
        ("wyoming_voice_requests_total", {"kind": "transcribe"}, 2.0),
    ]
    # large counts keep every digit (no 1.23457e+08 rounding)
    assert families["wyoming_voice_audio_bytes_total"]["samples"] == [
        ("wyoming_voice_audio_bytes_total", {}, 123_456_789.0)
    ]

    histogram = families["wyoming_voice_request_seconds"]
    assert histogram["type"] == "histogram"
    samples = histogram["samples"]
    assert isinstance(samples, list)
    buckets = [(labels["le"], value) for name, labels, value in samples if name.endswith("_bucket")]
    bounds = [float(le) for le, _value in buckets]
    assert bounds == [*LATENCY_BUCKETS, math.inf]
    counts = [value for _le, value in buckets]
    assert counts == sorted(counts), "buckets must be cumulative"
    assert dict(buckets)["0.005"] == 1
    assert dict(buckets)["0.025"] == 3
    assert dict(buckets)["1"] == 4
    assert dict(buckets)["+Inf"] == 5
    totals = {name: value for name, labels, value in samples if not name.endswith("_bucket")}
    assert totals["wyoming_voice_request_seconds_count"] == 5
    assert math.isclose(totals["wyoming_voice_request_seconds_sum"], 45.743)
    assert all(labels["kind"] == "transcribe" for _name, labels, _value in samples)


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.inc("requests_total", "Requests", model='base "en"\\v2\nx')
    families = parse_exposition(metrics.render())
    (sample,) = families["wyoming_voice_requests_total"]["samples"]  # type: ignore[misc]
    assert sample[1] == {"model": 'base \\"en\\"\\\\v2\\nx'}


def test_empty_metrics_and_counter_value() -> None:
    metrics = Metrics(namespace="custom")
    assert parse_exposition(metrics.render()) == {}
    metrics.inc("x_total", kind="a")
    assert metrics.counter_value("x_total", kind="a") == 1
    assert metrics.counter_value("x_total", kind="b") == 0
    assert metrics.counter_value("never_total") == 0
    assert "custom_x_total" in parse_exposition(metrics.render())


async def test_metrics_server_serves_over_http() -> None:
    metrics = Metrics()
    metrics.inc("requests_total", "Requests started", kind="transcribe")
    server = MetricsServer(metrics, free_port())
    async with asyncio.timeout(10):
        await server.start()
        try:
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{server.port}/metrics"
                async with session.get(url) as response:
                    assert response.status == 200
                    assert response.content_type == "text/plain"
                    first = await response.text()
                metrics.inc("requests_total", "Requests started", kind="transcribe")
                async with session.get(url) as response:
                    second = await response.text()
                async with session.get(f"http://127.0.0.1:{server.port}/other") as response:
                    assert response.status == 404
        finally:
            await server.stop()
    assert 'wyoming_voice_requests_total{kind="transcribe"} 1\n' in first
    assert 'wyoming_voice_requests_total{kind="transcribe"} 2\n' in second
    parse_exposition(second)


async def test_runner_metrics_endpoint_counts_requests() -> None:
    port = free_port()
    async with (
        asyncio.timeout(10),
        running_service(recording_factory(), metrics_port=port) as runner,
    ):
        async with connect(runner.uri) as client:
            await client.send_raw(b'{"type": "work", "data": {"seconds": 0.01}}\n')
            assert await client.recv() is not None
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                families = parse_exposition(await response.text())
    assert families["wyoming_voice_connections_total"]["samples"] == [
        ("wyoming_voice_connections_total", {}, 1.0)
    ]
    assert families["wyoming_voice_requests_total"]["samples"] == [
        ("wyoming_voice_requests_total", {"kind": "work"}, 1.0)
    ]
