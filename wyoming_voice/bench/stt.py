"""`wyoming-voice bench stt`: latency after audio-stop, real-time factor, describe under load.

Every WAV in --audio is streamed like Home Assistant streams it (10 ms chunks). While the
transcriptions run, a second connection sends describe every --describe-interval seconds and
times the answers. With --peer-uri (or --peer-model and wyoming-faster-whisper installed) the
same audio goes to the peer server and the ratio of medians is printed. Prints a table and
one JSON line; never judges the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from wyoming.info import Describe, Info

from voice_pipeline.stt_client import transcribe_audio
from wyoming_common.audio import AudioFormat, read_wav
from wyoming_common.client import WyomingConnection
from wyoming_common.config import positive_float, positive_int, wyoming_uri
from wyoming_common.errors import WyomingVoiceError
from wyoming_stt.pocketsphinx.grammar import spoken_form

from .stt_peer import PEER_MODULE, peer_installed, running_peer


@dataclass(frozen=True)
class Clip:
    """One benchmark input."""

    name: str
    pcm: bytes
    format: AudioFormat
    reference: str | None


@dataclass(frozen=True)
class Summary:
    """The figures for one server."""

    uri: str
    requests: int
    audio_seconds: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    rtf_p50: float
    describe_n: int
    describe_p50_ms: float
    describe_p95_ms: float
    describe_max_ms: float
    wer: float | None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words) on spoken forms (digits as words, no punctuation)."""
    ref, hyp = spoken_form(reference).split(), spoken_form(hypothesis).split()
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, 1):
            substitution = previous[j - 1] + (ref_word != hyp_word)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        previous = current
    return previous[-1], len(ref)


def load_clips(folder: Path) -> list[Clip]:
    """Every WAV in folder, with its transcript when TRANSCRIPTS.tsv has one."""
    references: dict[str, str] = {}
    tsv = folder / "TRANSCRIPTS.tsv"
    if tsv.is_file():
        for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
            name, _sep, text = line.partition("\t")
            references[name] = text.split("\t")[0].strip()
    clips = []
    for path in sorted(folder.glob("*.wav")):
        pcm, fmt = read_wav(path)
        clips.append(Clip(path.name, pcm, fmt.validate(), references.get(path.name)))
    return clips


async def _probe_describe(uri: str, interval: float, stop: asyncio.Event) -> list[float]:
    latencies: list[float] = []
    async with WyomingConnection(uri, read_timeout=10) as conn:
        while not stop.is_set():
            sent = time.monotonic()
            await conn.write(Describe().event())
            while (event := await conn.read()) is not None and not Info.is_type(event.type):
                pass
            latencies.append(time.monotonic() - sent)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
    return latencies


async def measure(
    uri: str, clips: Sequence[Clip], runs: int, language: str | None, interval: float
) -> Summary:
    """Transcribe every clip `runs` times (after one warm-up request) and summarise."""
    await transcribe_audio(uri, clips[0].pcm, clips[0].format, language=language)
    stop = asyncio.Event()
    prober = asyncio.create_task(_probe_describe(uri, interval, stop))
    latencies: list[float] = []
    factors: list[float] = []
    edits = words = 0
    audio = 0.0
    try:
        for run in range(runs):
            for clip in clips:
                result = await transcribe_audio(uri, clip.pcm, clip.format, language=language)
                latencies.append(result.seconds_after_stop)
                factors.append(result.real_time_factor)
                audio += result.audio_seconds
                if run == 0 and clip.reference is not None:
                    errors, count = word_errors(clip.reference, result.text)
                    edits, words = edits + errors, words + count
    finally:
        stop.set()
        describes = await prober
    return Summary(
        uri=uri,
        requests=len(latencies),
        audio_seconds=round(audio, 2),
        p50_ms=round(statistics.median(latencies) * 1000, 1),
        p95_ms=round(percentile(latencies, 0.95) * 1000, 1),
        mean_ms=round(statistics.fmean(latencies) * 1000, 1),
        rtf_p50=round(statistics.median(factors), 4),
        describe_n=len(describes),
        describe_p50_ms=round(percentile(describes, 0.5) * 1000, 2),
        describe_p95_ms=round(percentile(describes, 0.95) * 1000, 2),
        describe_max_ms=round(max(describes, default=0.0) * 1000, 2),
        wer=round(edits / words, 4) if words else None,
    )


def format_table(rows: Sequence[tuple[str, Summary]]) -> str:
    """The human-readable table."""
    header = (
        f"{'server':<8} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} "
        f"{'RTF p50':>8} {'describe p50/p95/max ms':>24} {'WER':>7}"
    )
    lines = [header, "-" * len(header)]
    for label, s in rows:
        describe = f"{s.describe_p50_ms:.1f}/{s.describe_p95_ms:.1f}/{s.describe_max_ms:.1f}"
        wer = "-" if s.wer is None else f"{s.wer:.1%}"
        lines.append(
            f"{label:<8} {s.requests:>8} {s.p50_ms:>8.1f} {s.p95_ms:>8.1f} {s.mean_ms:>8.1f} "
            f"{s.rtf_p50:>8.4f} {describe:>24} {wer:>7}"
        )
    return "\n".join(lines)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Flags of the STT benchmark."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--uri", type=wyoming_uri, default="tcp://127.0.0.1:10300")
    parser.add_argument("--audio", type=Path, required=True, help="folder of WAV files")
    parser.add_argument("--runs", type=positive_int, default=1, help="passes over the files")
    parser.add_argument("--language", default="en", help="language to ask for")
    parser.add_argument(
        "--describe-interval", type=positive_float, default=0.2, help="seconds between describes"
    )
    parser.add_argument("--peer-uri", type=wyoming_uri, help="an already running peer server")
    parser.add_argument(
        "--peer-model", help=f"start {PEER_MODULE} with this model (when it is installed)"
    )
    parser.add_argument(
        "--peer-arg",
        action="append",
        default=[],
        help=f"extra argument for {PEER_MODULE}, repeatable (e.g. --peer-arg=--beam-size=1)",
    )
    return parser


async def _run(args: argparse.Namespace, clips: list[Clip]) -> list[tuple[str, Summary]]:
    rows = [
        ("ours", await measure(args.uri, clips, args.runs, args.language, args.describe_interval))
    ]
    if args.peer_uri:
        rows.append(
            (
                "peer",
                await measure(
                    args.peer_uri, clips, args.runs, args.language, args.describe_interval
                ),
            )
        )
    elif args.peer_model:
        if not peer_installed():
            print(f"note: {PEER_MODULE} is not installed; no peer comparison", file=sys.stderr)
        else:
            async with running_peer(args.peer_model, args.peer_arg) as peer_uri:
                rows.append(
                    (
                        "peer",
                        await measure(
                            peer_uri, clips, args.runs, args.language, args.describe_interval
                        ),
                    )
                )
    return rows


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench stt") -> int:
    """Run the benchmark and print the table and a JSON line."""
    args = build_parser(prog).parse_args(argv)
    try:
        clips = load_clips(args.audio)
        if not clips:
            print(f"error: no WAV files in {args.audio}", file=sys.stderr)
            return 2
        rows = asyncio.run(_run(args, clips))
    except (WyomingVoiceError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(format_table(rows))
    result: dict[str, object] = {"bench": "stt", "files": len(clips), "runs": args.runs}
    for label, summary in rows:
        result[label] = asdict(summary)
    if len(rows) == 2 and rows[1][1].p50_ms > 0:
        ratio = rows[0][1].p50_ms / rows[1][1].p50_ms
        print(f"p50 latency ours/peer: {ratio:.2f}x")
        result["ratio_p50_ours_over_peer"] = round(ratio, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
