"""Oversized payloads, then nothing: the service gives the memory back.

The issue's case: 100 connections each sending 4 MB - 1 byte of a 4 MB payload, then closing,
three rounds. Resident memory of the server process afterwards must be back within 20 % of
its baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from urllib.parse import urlparse

from .processes import ServiceProcess, assert_healthy

CONNECTIONS = 100
PAYLOAD = 4 * 1024 * 1024
ROUNDS = 3


async def _oversized_round(uri: str) -> None:
    parsed = urlparse(uri)
    header = json.dumps({"type": "audio-chunk", "payload_length": PAYLOAD}).encode() + b"\n"
    body = bytes(PAYLOAD - 1)

    async def one() -> None:
        _reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        try:
            writer.write(header)
            writer.write(body)
            await writer.drain()
            await asyncio.sleep(0.5)  # the server holds the unfinished payload meanwhile
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    await asyncio.gather(*(one() for _ in range(CONNECTIONS)))


async def _settled_rss(service: ServiceProcess, files: int) -> int:
    """RSS once every connection has ended and the heap trim that follows it has run."""
    await service.wait_for_descriptors(files)
    await asyncio.sleep(1.5)  # the service trims its heap one second after the last close
    return service.rss()


async def test_memory_comes_back_after_oversized_payloads(service: ServiceProcess) -> None:
    offset = service.log_size()
    files = service.descriptors()
    baseline = await _settled_rss(service, files)
    after_rounds: list[int] = []
    async with asyncio.timeout(240):
        for _ in range(ROUNDS):
            await _oversized_round(service.uri)
            after_rounds.append(await _settled_rss(service, files))
    after = after_rounds[-1]
    mb = 1024 * 1024
    print(
        f"\n{service.kind}: RSS baseline {baseline / mb:.0f} MB, after each round "
        f"{', '.join(f'{p / mb:.0f}' for p in after_rounds)} MB ({after / baseline:.2f}x)"
    )
    assert after <= 1.2 * baseline, f"{service.kind} kept {(after - baseline) / mb:.0f} MB"
    await assert_healthy(service, offset)
