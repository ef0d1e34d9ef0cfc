"""`wyoming-voice bench tts`: time to first audio and total time, single and streaming requests,
for short (1 sentence), medium (3) and long (10) texts; side by side with wyoming-piper when it
is installed (or at --peer-uri). Prints a table and one JSON line; asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import itertools
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_pipeline.tts_client import SpeechResult, synthesize
from wyoming_common.client import ServiceUnavailableError, describe

SIZES = (("short", 1), ("medium", 3), ("long", 10))
MODES = (("single", False), ("stream", True))
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


@dataclass
class Row:
    """Medians of one text size and mode on one server."""

    text: str
    mode: str
    first_audio_p50: float
    total_p50: float
    audio_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """For the JSON line."""
        return {
            "text": self.text,
            "mode": self.mode,
            "first_audio_p50_s": round(self.first_audio_p50, 4),
            "total_p50_s": round(self.total_p50, 4),
            "audio_s": round(self.audio_seconds, 3),
            "real_time_factor": round(self.total_p50 / self.audio_seconds, 4)
            if self.audio_seconds
            else None,
        }


async def measure(uri: str, voice: str | None, runs: int, texts: TextSource) -> list[Row]:
    """Every size and mode, runs times each, plus a repeated short phrase."""
    await synthesize(uri, texts.text(1), voice=voice)  # warm-up (lazy voice loading)
    rows: list[Row] = []
    for (size, sentences), (mode, stream) in itertools.product(SIZES, MODES):
        results = [
            await synthesize(uri, texts.text(sentences), voice=voice, stream=stream)
            for _ in range(runs)
        ]
        rows.append(_row(size, mode, results))
    repeated = texts.text(1)
    await synthesize(uri, repeated, voice=voice)
    again = [await synthesize(uri, repeated, voice=voice) for _ in range(runs)]
    rows.append(_row("repeat", "single", again))
    return rows


def _row(text: str, mode: str, results: Sequence[SpeechResult]) -> Row:
    return Row(
        text,
        mode,
        statistics.median(r.first_audio if r.first_audio is not None else r.total for r in results),
        statistics.median(r.total for r in results),
        statistics.median(r.seconds for r in results),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def wyoming_piper_peer(voice: str, data_dir: Path) -> Any:
    """wyoming-piper on a free loopback port, serving the same voice; stopped on exit."""
    uri = f"tcp://127.0.0.1:{_free_port()}"
    command = [sys.executable, "-m", "wyoming_piper", "--uri", uri, "--voice", voice]
    command += ["--data-dir", str(data_dir)]
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await describe(uri, timeout=2.0)
                    break
                except ServiceUnavailableError:
                    if process.returncode is not None or time.monotonic() > deadline:
                        log.seek(0)
                        error = log.read().decode(errors="replace")[-2000:]
                        raise ServiceUnavailableError(
                            f"wyoming-piper did not start: {error}"
                        ) from None
                    await asyncio.sleep(0.2)
            yield uri
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()


def _print_table(ours: list[Row], peer: list[Row] | None, peer_name: str) -> None:
    header = f"{'text':<7} {'mode':<7} {'first audio':>11} {'total':>8} {'audio':>7} {'RTF':>6}"
    if peer is not None:
        header += f" | {peer_name + ' first':>16} {'total':>8} {'first x':>8} {'total x':>8}"
    print(header)
    for index, row in enumerate(ours):
        rtf = row.total_p50 / row.audio_seconds if row.audio_seconds else 0.0
        line = (
            f"{row.text:<7} {row.mode:<7} {row.first_audio_p50:>10.3f}s {row.total_p50:>7.3f}s "
            f"{row.audio_seconds:>6.2f}s {rtf:>6.3f}"
        )
        if peer is not None:
            other = peer[index]
            line += (
                f" | {other.first_audio_p50:>15.3f}s {other.total_p50:>7.3f}s "
                f"{_ratio(row.first_audio_p50, other.first_audio_p50):>8} "
                f"{_ratio(row.total_p50, other.total_p50):>8}"
            )
        print(line)
    print("(medians; RTF = total time / audio time; x = ours / peer, below 1 is faster)")


def _ratio(ours: float, peer: float) -> str:
    return f"{ours / peer:.2f}" if peer > 0 else "-"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure ours (and the peer), print the table; returns the JSON line's content."""
    info = await describe(args.uri)
    program = info.tts[0] if info.tts else None
    voice = args.voice or (program.voices[0].name if program and program.voices else None)
    texts = TextSource()
    ours = await measure(args.uri, voice, args.runs, texts)
    peer: list[Row] | None = None
    peer_name = "peer"
    if args.peer_uri:
        peer = await measure(args.peer_uri, voice, args.runs, texts)
    elif args.data_dir and voice and (args.data_dir / f"{voice}.onnx").exists():
        if importlib.util.find_spec("wyoming_piper") is None:
            print("(wyoming_piper is not installed: no side-by-side comparison)")
        else:
            peer_name = "wyoming-piper"
            async with wyoming_piper_peer(voice, args.data_dir) as peer_uri:
                peer = await measure(peer_uri, voice, args.runs, texts)
    description = program.description if program else "?"
    print(f"TTS bench: {args.uri} ({description}), voice {voice}, {args.runs} run(s) per row")
    _print_table(ours, peer, peer_name)
    result: dict[str, Any] = {
        "bench": "tts",
        "uri": args.uri,
        "program": program.description if program else None,
        "voice": voice,
        "runs": args.runs,
        "results": [row.as_dict() for row in ours],
    }
    if peer is not None:
        result["peer"] = {"name": peer_name, "results": [row.as_dict() for row in peer]}
        result["ratios"] = [
            {
                "text": a.text,
                "mode": a.mode,
                "first_audio": round(a.first_audio_p50 / b.first_audio_p50, 3),
                "total": round(a.total_p50 / b.total_p50, 3),
            }
            for a, b in zip(ours, peer, strict=True)
            if b.first_audio_p50 > 0 and b.total_p50 > 0
        ]
    return result


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench tts") -> int:
    """Run the benchmark; 1 when a service cannot be reached."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--uri", default="tcp://127.0.0.1:10200", help="our TTS service")
    parser.add_argument("--voice", help="voice to use (default: the service's default)")
    parser.add_argument("--runs", type=int, default=5, help="requests per row")
    parser.add_argument("--peer-uri", help="a peer TTS service to compare with")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder holding VOICE.onnx: starts wyoming-piper on it when it is installed",
    )
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except ServiceUnavailableError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
