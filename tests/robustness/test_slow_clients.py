"""Clients that trickle a byte at a time, and clients that ask and never read (with a tiny
receive window): the service keeps answering everyone else, and answers describe within
100 ms once they are gone. (The 60 s idle timeout that finally drops such clients is checked
with short timeouts in tests/common/test_connections.py.)"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from urllib.parse import urlparse

from .processes import ServiceProcess, assert_healthy, describe_seconds, raise_own_open_files

TRICKLERS = 200
NON_READERS = 10
SECONDS = 3.0


def _heavy_request(kind: str) -> bytes:
    """Something whose answer is big, for a client that will not read it."""
    if kind == "tts":
        text = "This sentence is spoken again and again. " * 12  # ~8 s of audio
        return json.dumps({"type": "synthesize", "data": {"text": text}}).encode() + b"\n"
    return b'{"type": "describe"}\n' * 100


async def test_slow_clients_do_not_slow_anyone_else(service: ServiceProcess) -> None:
    raise_own_open_files(TRICKLERS + NON_READERS + 200)
    offset = service.log_size()
    parsed = urlparse(service.uri)
    stop = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def trickle() -> None:
        _reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        writers.append(writer)
        header = b'{"type": "describe", "data": {"text": "' + b"x" * 1000
        for byte in header:
            if stop.is_set():
                return
            writer.write(bytes([byte]))
            await asyncio.sleep(0.2)

    async def never_read() -> None:
        # A tiny receive window, like a client on a bad link: the service's writes back up.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (parsed.hostname, parsed.port))
        _reader, writer = await asyncio.open_connection(sock=sock)
        writers.append(writer)
        writer.write(_heavy_request(service.kind))
        await stop.wait()

    latencies: list[float] = []
    async with asyncio.timeout(60):
        clients = [asyncio.create_task(trickle()) for _ in range(TRICKLERS)]
        clients += [asyncio.create_task(never_read()) for _ in range(NON_READERS)]
        await asyncio.sleep(0.5)
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            latencies += await describe_seconds(service.uri, 1)
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*clients, return_exceptions=True)
        for writer in writers:
            writer.close()
    latencies.sort()
    median = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"\n{service.kind}: {TRICKLERS} trickling + {NON_READERS} non-reading clients, describe "
        f"median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms ({len(latencies)} probes)"
    )
    # While they run, the service shares its loop with them: no starvation (a bound loose
    # enough for a busy CI machine); once they are gone, the 100 ms target.
    assert median < 1.0
    after = await assert_healthy(service, offset)
    print(f"{service.kind}: describe median afterwards {after * 1000:.1f} ms")
