"""End of speech → first reply audio through the gateway's WebSocket, on the real services.

    python -m tests.web.measure_latency [--limit 10] [--no-realtime]

Starts the test stack (pocketsphinx STT, the agent's fast path against the fake Home
Assistant, espeak-ng TTS) and the gateway, streams recorded commands like the page does
(40 ms frames at real-time pace), and times `{"type": "end"}` → the first binary audio frame.
Prints one line per command, the median, and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import aiohttp
from aiohttp import web

from tests.fake_hass.testing import free_port
from tests.support.services import command_transcripts
from tests.support.stack import ServiceStack
from wyoming_common.audio import read_wav
from wyoming_web.app import build_app
from wyoming_web.gateway import Gateway

from .ws_client import open_session, read_turn, send_audio


async def _measure(stack: ServiceStack, limit: int, realtime: bool) -> list[dict[str, float]]:
    port = free_port()
    runner = web.AppRunner(build_app(Gateway(stack.web_settings())), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    rows: list[dict[str, float]] = []
    try:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"http://127.0.0.1:{port}/ws") as ws:
                await open_session(ws)
                for wav, _text in command_transcripts()[:limit]:
                    pcm, _fmt = read_wav(wav)
                    async with asyncio.timeout(60):
                        await send_audio(ws, pcm, realtime=realtime)
                        sent_end = time.monotonic()
                        await ws.send_json({"type": "end"})
                        turn = await read_turn(ws)
                    heard = turn.of("transcript")[0]["text"] if turn.of("transcript") else ""
                    timings = turn.of("timings")[0] if turn.of("timings") else {}
                    if turn.first_audio_at is None:
                        print(f"{wav.name}: no audio ({turn.of('error')})")
                        continue
                    row = {
                        "client_first_audio": turn.first_audio_at - sent_end,
                        "server_first_audio": float(timings.get("first_audio") or 0.0),
                        "stt": float(timings.get("stt") or 0.0),
                    }
                    rows.append(row)
                    print(
                        f"{wav.name:<48} end→first audio {row['client_first_audio'] * 1000:6.1f} ms"
                        f" (server {row['server_first_audio'] * 1000:6.1f} ms, "
                        f"stt {row['stt'] * 1000:6.1f} ms)  heard {heard!r}"
                    )
    finally:
        await runner.cleanup()
    return rows


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--no-realtime", action="store_true", help="send audio at full speed")
    args = parser.parse_args()
    stack = ServiceStack().start()
    try:
        rows = asyncio.run(_measure(stack, args.limit, not args.no_realtime))
    finally:
        stack.stop()
    if not rows:
        raise SystemExit("no turn produced audio")
    summary = {
        key: round(statistics.median(row[key] for row in rows), 4)
        for key in ("client_first_audio", "server_first_audio", "stt")
    }
    print(
        f"median over {len(rows)} commands: end→first audio "
        f"{summary['client_first_audio'] * 1000:.1f} ms at the client, "
        f"{summary['server_first_audio'] * 1000:.1f} ms in the gateway, "
        f"STT {summary['stt'] * 1000:.1f} ms"
    )
    print(json.dumps({"bench": "web", "turns": len(rows), "median_seconds": summary}))


if __name__ == "__main__":
    main()
