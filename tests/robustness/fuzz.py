"""Send each malformed frame on its own connection, followed by `describe` and the end of
our side of the stream, and sort out what came back."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from wyoming.event import Event

from wyoming_common.errors import ProtocolError
from wyoming_common.wire import WireLimits, read_event

DESCRIBE = b'{"type": "describe"}\n'
READ_LIMITS = WireLimits(max_data_bytes=64 * 2**20, max_payload_bytes=64 * 2**20)


@dataclass
class FuzzReport:
    """What the service did with the frames."""

    frames: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    """`error` events by code."""
    info_only: int = 0
    """Frames the service ignored or served: `info` came back, no error."""
    silent_drops: list[str] = field(default_factory=list)
    """Connections closed with neither `error` nor `info` (generator names)."""
    hangs: list[str] = field(default_factory=list)
    """No end of stream within the time limit."""
    refused: list[str] = field(default_factory=list)
    """Could not connect or write (service gone or out of resources)."""

    def summary(self) -> str:
        return (
            f"{self.frames} frames: errors {dict(self.errors)}, info only {self.info_only}, "
            f"silent drops {len(self.silent_drops)}, hangs {len(self.hangs)}, "
            f"refused {len(self.refused)}"
        )


async def _exchange(host: str, port: int, frame: bytes, timeout: float) -> list[Event] | None:
    """Events received until the service closed; None when it did not within timeout."""
    reader, writer = await asyncio.open_connection(host, port, limit=2**20)
    events: list[Event] = []
    try:
        writer.write(frame + DESCRIBE)
        try:
            await writer.drain()
            writer.write_eof()
        except (ConnectionError, OSError):
            pass  # the service may close on the first bad byte; read what it said
        async with asyncio.timeout(timeout):
            while True:
                try:
                    event = await read_event(reader, READ_LIMITS)
                except (ProtocolError, ConnectionError, OSError):
                    break
                if event is None:
                    break
                events.append(event)
    except TimeoutError:
        return None
    finally:
        writer.close()
        try:
            async with asyncio.timeout(2):
                await writer.wait_closed()
        except (TimeoutError, ConnectionError, OSError):
            pass
    return events


async def fuzz(
    uri: str, frames: Iterable[tuple[str, bytes]], *, concurrency: int = 8, timeout: float = 15.0
) -> FuzzReport:
    """Run every frame against uri, concurrency connections at a time."""
    parsed = urlparse(uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 0
    report = FuzzReport()
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in frames:
        queue.put_nowait(item)

    async def client() -> None:
        while not queue.empty():
            name, frame = queue.get_nowait()
            report.frames += 1
            try:
                events = await _exchange(host, port, frame, timeout)
            except (ConnectionError, OSError) as err:
                report.refused.append(f"{name}: {err}")
                continue
            if events is None:
                report.hangs.append(name)
                continue
            codes = [str(e.data.get("code")) for e in events if e.type == "error"]
            report.errors.update(codes)
            if not codes:
                if any(e.type == "info" for e in events):
                    report.info_only += 1
                else:
                    report.silent_drops.append(name)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return report
