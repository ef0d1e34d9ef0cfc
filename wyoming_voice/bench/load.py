"""`wyoming-voice bench load SERVICE_URI`: N concurrent clients of the right kind for the
service (describe tells what it is), while a prober times `describe` on fresh connections.
Prints a table and one JSON line: requests, latency, errors by code, describe p50/p95 under
load, and the server's resident memory when it runs on this machine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from wyoming.event import Event

from wyoming_common.audio import read_wav
from wyoming_common.client import (
    ServiceUnavailableError,
    WyomingConnection,
    describe,
    describe_kinds,
    service_kinds,
)
from wyoming_common.config import positive_float, positive_int, wyoming_uri
from wyoming_common.memory import rss_bytes

from .load_report import Results, print_table, summary

TERMINAL = {
    "asr": ("transcript",),
    "tts": ("audio-stop",),
    "handle": ("handled", "not-handled"),
    "intent": ("intent", "not-recognized"),
}


@dataclass
class Workload:
    """One request of the right kind: the events to send and the ones that end it."""

    kind: str
    events: list[Event]
    terminal: tuple[str, ...]


def _speech_like(seconds: float, rate: int = 16000) -> bytes:
    """Low noise with a pitch, as 16-bit mono: something an STT engine has to decode."""
    samples = int(seconds * rate)
    values = (int(3000 * math.sin(i * 0.07) + 500 * math.sin(i * 1.3)) for i in range(samples))
    return b"".join(v.to_bytes(2, "little", signed=True) for v in values)


def workload(kind: str, args: argparse.Namespace) -> Workload:
    """The request a client of this kind of service sends."""
    if kind == "asr":
        if args.wav:
            pcm, fmt = read_wav(args.wav)
            rate, width, channels = fmt.rate, fmt.width, fmt.channels
        else:
            pcm, rate, width, channels = _speech_like(2.0), 16000, 2, 1
        audio = {"rate": rate, "width": width, "channels": channels}
        step = rate * width * channels // 10  # 100 ms chunks
        chunks = [Event("audio-chunk", audio, pcm[i : i + step]) for i in range(0, len(pcm), step)]
        events = [
            Event("transcribe", {"language": args.language}),
            Event("audio-start", audio),
            *chunks,
            Event("audio-stop"),
        ]
        return Workload(kind, events, TERMINAL["asr"])
    if kind == "tts":
        return Workload(kind, [Event("synthesize", {"text": args.text})], TERMINAL["tts"])
    if kind == "handle":
        data = {"text": args.ask, "language": args.language}
        return Workload(kind, [Event("transcript", data)], TERMINAL["handle"])
    if kind == "intent":
        return Workload(kind, [Event("recognize", {"text": args.ask})], TERMINAL["intent"])
    return Workload(kind, [Event("ping", {"text": "load"})], ("pong",))


async def _one_request(uri: str, work: Workload, timeout: float, results: Results) -> None:
    started = time.perf_counter()
    try:
        async with WyomingConnection(uri, connect_timeout=timeout, read_timeout=timeout) as conn:
            for event in work.events:
                await conn.write(event)
            events = await conn.read_until(lambda e: e.type in work.terminal)
    except ServiceUnavailableError as err:
        results.errors["timeout" if "did not answer within" in str(err) else "disconnected"] += 1
        return
    last = events[-1]
    if last.type == "error":
        results.errors[str(last.data.get("code") or "error")] += 1
    else:
        results.latencies.append(time.perf_counter() - started)


async def _client(
    uri: str, work: Workload, args: argparse.Namespace, until: float, results: Results
) -> None:
    done = 0
    while time.monotonic() < until and (args.requests is None or done < args.requests):
        await _one_request(uri, work, args.timeout, results)
        done += 1


async def _prober(uri: str, stop: asyncio.Event, interval: float, results: Results) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            await describe(uri, 5.0)
            results.describe.append(time.perf_counter() - started)
        except ServiceUnavailableError:
            results.describe_failures += 1
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval):
                await stop.wait()


async def _rss_sampler(pid: int | None, stop: asyncio.Event, results: Results) -> None:
    while pid is not None and not stop.is_set():
        value = rss_bytes(pid)
        if value is not None:
            results.rss.append(value)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.25):
                await stop.wait()


def pid_listening_on(port: int) -> int | None:
    """The local process listening on a TCP port (from /proc), or None."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Describe, load, probe, measure."""
    info = await describe(args.uri, args.timeout)
    kinds = service_kinds(info)
    kind = kinds[0] if kinds else "ping"
    work = workload(kind, args)
    port = urlparse(args.uri).port
    pid = args.pid if args.pid is not None else (pid_listening_on(port) if port else None)
    print(f"load bench: {args.uri} is {describe_kinds(kinds)}; {args.clients} clients for "
          f"{args.duration:g} s, server pid {pid or 'unknown (not local?)'}")  # fmt: skip
    results = Results(rss_before=rss_bytes(pid) if pid else None)
    stop = asyncio.Event()
    background = [
        asyncio.create_task(_prober(args.uri, stop, args.describe_interval, results)),
        asyncio.create_task(_rss_sampler(pid, stop, results)),
    ]
    started = time.monotonic()
    until = started + args.duration
    await asyncio.gather(
        *(_client(args.uri, work, args, until, results) for _ in range(args.clients))
    )
    results.seconds = time.monotonic() - started
    stop.set()
    await asyncio.gather(*background)
    await asyncio.sleep(1.5)  # services give memory back shortly after connections end
    results.rss_after = rss_bytes(pid) if pid else None
    return summary(args.uri, kind, args, results)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Flags of `bench load`."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("uri", type=wyoming_uri, help="the service, e.g. tcp://127.0.0.1:10300")
    parser.add_argument("--clients", type=positive_int, default=20, help="concurrent clients")
    parser.add_argument("--duration", type=positive_float, default=10.0, help="seconds of load")
    parser.add_argument("--requests", type=positive_int, help="stop each client after N requests")
    parser.add_argument("--timeout", type=positive_float, default=60.0, help="per request")
    parser.add_argument(
        "--describe-interval", type=positive_float, default=0.05, help="prober pause"
    )
    parser.add_argument("--pid", type=int, help="server process for RSS (default: found by port)")
    parser.add_argument("--wav", type=Path, help="audio for speech-to-text (default: 2 s tone)")
    parser.add_argument("--text", default="The kitchen light is on.", help="text for TTS")
    parser.add_argument("--ask", default="what time is it", help="text for an agent")
    parser.add_argument("--language", default="en", help="language sent with requests")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench load") -> int:
    """Entry point; 1 when the service cannot be reached."""
    args = build_parser(prog).parse_args(argv)
    try:
        row = asyncio.run(run(args))
    except ServiceUnavailableError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    print_table(row)
    print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
