"""`wyoming-voice bench tts`: time to first audio and total time of replies of 1, 3 and 10
sentences (single `synthesize` and streamed text), ours and wyoming-piper side by side on the
same real voice and the same texts, interleaved; describe latency while synthesizing; and the
round trip (Whisper base transcribes what each server said). Prints a table and one JSON line;
asserts nothing.

By default it starts both servers itself on the real models (`--models`, Piper en_US-joe-medium):
ours with `python -m wyoming_tts`, the peer with `--peer-python` (a Python that has
wyoming-piper installed; default this one, if it has it). `--uri` / `--peer-uri` measure
servers that already run instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from voice_pipeline.tts_client import SpeechResult, synthesize
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import CommandParser, client_uri, positive_int
from wyoming_common.errors import WyomingVoiceError

from .real_models import default_models_dir, real_models
from .tts_report import Row, Server, print_table, result_json
from .tts_servers import ours_command, peer_available, peer_command, running_server
from .tts_speech import Spoken, round_trip

SIZES = (("short", 1), ("medium", 3), ("long", 10))
MODES = (("single", False), ("stream", True))
DEFAULT_VOICE = "en_US-joe-medium"
_TEMPLATES = (
    "The kitchen light has been on for {n} minutes.",
    "I set a timer for {n} seconds in the living room.",
    "The thermostat in the office is now at {n} degrees.",
    "There are {n} new messages waiting for you.",
    "The washing machine will be done in {n} minutes.",
    "Your package number {n} arrives tomorrow morning.",
    "The garage door has opened {n} times today.",
    "Tomorrow it will be sunny with a high of {n} degrees.",
    "The battery of the front door lock is at {n} percent.",
    "I turned off {n} lights on the first floor.",
)


class TextSource:
    """Sentences never repeated within a run, so the phrase cache does not answer them."""

    def __init__(self) -> None:
        self._numbers: Iterator[int] = itertools.count(random.randint(100, 600))
        self._templates = itertools.cycle(_TEMPLATES)

    def text(self, sentences: int) -> str:
        """A text of that many sentences."""
        return " ".join(
            next(self._templates).format(n=next(self._numbers)) for _ in range(sentences)
        )


async def _probe_describe(uri: str, stop: asyncio.Event, interval: float = 0.05) -> list[float]:
    """describe on a second connection every interval seconds until stop; milliseconds each."""
    times: list[float] = []
    while not stop.is_set():
        started = time.monotonic()
        # A server whose loop is blocked may time out: the wait itself is the figure.
        with contextlib.suppress(ServiceUnavailableError):
            await describe(uri, timeout=120.0)
        times.append(1000 * (time.monotonic() - started))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval):
                await stop.wait()
    return times


async def _request(
    server: Server, text: str, voice: str | None, stream: bool, probe: bool
) -> tuple[SpeechResult, list[float]]:
    if not probe:
        return await synthesize(server.uri, text, voice=voice, stream=stream, check=False), []
    stop = asyncio.Event()
    prober = asyncio.create_task(_probe_describe(server.uri, stop))
    try:
        result = await synthesize(server.uri, text, voice=voice, stream=stream, check=False)
    finally:
        stop.set()
    return result, await prober


async def measure(
    servers: Sequence[Server], voice: str | None, runs: int, texts: TextSource, keep: int
) -> None:
    """Every size and mode, runs times each, the servers interleaved on the same texts (the
    order alternating), plus a repeated short phrase; keeps up to `keep` single replies of
    1 and 3 sentences per server for the round trip."""
    for server in servers:  # warm-up (lazy voice loading, first-call costs)
        for _ in range(2):
            await synthesize(server.uri, texts.text(1), voice=voice)
    for (size, sentences), (mode, stream) in itertools.product(SIZES, MODES):
        print(f"... {size} {mode}", file=sys.stderr, flush=True)
        samples: dict[str, list[SpeechResult]] = {server.name: [] for server in servers}
        describes: dict[str, list[float]] = {server.name: [] for server in servers}
        for run in range(runs):
            text = texts.text(sentences)
            for server in servers if run % 2 == 0 else list(reversed(servers)):
                result, times = await _request(server, text, voice, stream, size == "long")
                samples[server.name].append(result)
                describes[server.name] += times
                if not stream and size != "long" and result.fmt and len(server.spoken) < keep:
                    server.spoken.append(Spoken(text, bytes(result.audio), result.fmt))
        for server in servers:
            server.rows.append(_row(size, mode, samples[server.name], describes[server.name]))
    repeated = texts.text(1)
    for server in servers:
        await synthesize(server.uri, repeated, voice=voice)
    again: dict[str, list[SpeechResult]] = {server.name: [] for server in servers}
    for run in range(runs):
        for server in servers if run % 2 == 0 else list(reversed(servers)):
            again[server.name].append(
                await synthesize(server.uri, repeated, voice=voice, check=False)
            )
    for server in servers:
        server.rows.append(_row("repeat", "single", again[server.name], []))


def _row(text: str, mode: str, results: Sequence[SpeechResult], describes: list[float]) -> Row:
    return Row(
        text,
        mode,
        statistics.median(r.first_audio if r.first_audio is not None else r.total for r in results),
        statistics.median(r.total for r in results),
        statistics.median(r.seconds for r in results),
        max(describes) if describes else None,
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start what is needed, measure, print the table; returns the JSON line's content."""
    models = real_models(args.models)
    async with contextlib.AsyncExitStack() as stack:
        voice = args.voice
        if args.uri:
            uri = args.uri
        else:
            voice = voice or DEFAULT_VOICE
            if not (models.piper_dir / f"{voice}.onnx").exists():
                raise ServiceUnavailableError(
                    f"no Piper voice {voice} in {models.piper_dir}: fetch the real models "
                    f"(../shared/models/fetch-real-models {models.root}) or pass --uri"
                )
            uri = await stack.enter_async_context(
                running_server(ours_command(models.piper_dir, voice), "wyoming_tts")
            )
        info = await describe(uri)
        program = info.tts[0] if info.tts else None
        voice = voice or (program.voices[0].name if program and program.voices else None)
        ours = Server("ours", uri)
        peer = await _peer(args, stack, models.piper_dir, voice)
        servers = [ours] + ([peer] if peer else [])
        await measure(servers, voice, args.runs, TextSource(), args.wer_clips)
    if args.wer_clips and models.whisper_base.exists():
        for server in servers:
            server.round_trip = await asyncio.to_thread(
                round_trip, models.whisper_base, server.spoken
            )
    description = program.description if program else "?"
    print(f"TTS bench: {uri} ({description}), voice {voice}, {args.runs} run(s) per row")
    print_table(ours, peer)
    return result_json(ours, peer, voice=voice, runs=args.runs)


async def _peer(
    args: argparse.Namespace, stack: contextlib.AsyncExitStack, voice_dir: Path, voice: str | None
) -> Server | None:
    if args.peer_uri:
        return Server("peer", args.peer_uri)
    if args.no_peer or voice is None or not (voice_dir / f"{voice}.onnx").exists():
        return None
    python = args.peer_python or sys.executable
    if not await asyncio.to_thread(peer_available, python):
        print(f"({python} has no wyoming_piper: no side-by-side comparison; see --peer-python)")
        return None
    command = peer_command(python, voice_dir, voice)
    uri = await stack.enter_async_context(running_server(command, "wyoming-piper"))
    return Server("wyoming-piper", uri)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench tts") -> int:
    """Run the benchmark; 1 when a service cannot be reached or started, 2 for a bad flag."""
    parser = CommandParser(prog=prog, description=__doc__)
    parser.add_argument(
        "--uri", type=client_uri, help="a running TTS service (default: start ours on --models)"
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=default_models_dir(),
        help="the real models folder (piper/, faster-whisper-base/)",
    )
    parser.add_argument("--voice", help=f"voice (default: {DEFAULT_VOICE}, or the service's)")
    parser.add_argument("--runs", type=positive_int, default=5, help="requests per row and server")
    parser.add_argument(
        "--peer-uri", type=client_uri, help="a running peer TTS service to compare with"
    )
    parser.add_argument(
        "--peer-python", help="a Python with wyoming-piper installed (default: this one)"
    )
    parser.add_argument("--no-peer", action="store_true", help="measure ours only")
    parser.add_argument(
        "--wer-clips",
        type=int,
        default=8,
        help="replies per server Whisper base transcribes back (0: no round trip)",
    )
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except WyomingVoiceError as err:  # a service down, or one started here that did not start
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
