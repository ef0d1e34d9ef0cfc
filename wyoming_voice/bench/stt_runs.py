"""The measurements of `bench stt`: clips sent like Home Assistant sends them, timed.

Latency is from audio-stop to the transcript. Servers are measured interleaved (clip by clip,
alternating which goes first) so that the load of a shared machine falls on all of them alike.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voice_pipeline.stt_client import transcribe_audio
from wyoming_common.audio import AudioFormat, read_wav
from wyoming_common.errors import WyomingVoiceError
from wyoming_stt.pocketsphinx.grammar import spoken_form


@dataclass(frozen=True)
class Clip:
    """One benchmark input."""

    name: str
    pcm: bytes
    format: AudioFormat
    reference: str | None
    kind: str = "command"


@dataclass(frozen=True)
class Timed:
    """One request: the text (None on error), seconds after audio-stop, the error if any."""

    text: str | None
    seconds: float
    error: str | None = None


def load_clips(folder: Path) -> list[Clip]:
    """Every WAV in folder, with transcript and kind from TRANSCRIPTS.tsv when it has them."""
    rows: dict[str, tuple[str, str]] = {}
    tsv = folder / "TRANSCRIPTS.tsv"
    if tsv.is_file():
        for line in tsv.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 2:
                rows[parts[0]] = (parts[1].strip(), parts[2].strip() if len(parts) > 2 else "")
    clips = []
    for path in sorted(folder.glob("*.wav")):
        pcm, fmt = read_wav(path)
        reference, kind = rows.get(path.name, (None, ""))
        clips.append(Clip(path.name, pcm, fmt.validate(), reference, kind or "command"))
    return clips


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


async def timed(uri: str, clip: Clip, language: str | None, timeout: float = 120.0) -> Timed:
    """One transcription; errors are results too (busy, timeouts)."""
    started = time.monotonic()
    try:
        result = await transcribe_audio(
            uri, clip.pcm, clip.format, language=language, timeout=timeout, check=False
        )
    except (WyomingVoiceError, OSError) as err:
        return Timed(None, time.monotonic() - started, str(err))
    return Timed(result.text, result.seconds_after_stop)


async def interleaved(
    servers: dict[str, str], clips: Sequence[Clip], runs: int, language: str | None
) -> dict[str, list[list[Timed]]]:
    """results[label][run][clip], each clip sent to every server in turn."""
    labels = list(servers)
    for label in labels:  # one warm-up request each
        await timed(servers[label], clips[0], language)
    results: dict[str, list[list[Timed]]] = {label: [] for label in labels}
    for run in range(runs):
        for label in labels:
            results[label].append([])
        for index, clip in enumerate(clips):
            shift = (index + run) % len(labels)
            for label in labels[shift:] + labels[:shift]:
                results[label][run].append(await timed(servers[label], clip, language))
    return results


@dataclass(frozen=True)
class Latency:
    """Seconds after audio-stop, over the requests that got a transcript."""

    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    mean_ms: float


def latency(results: Sequence[Sequence[Timed]]) -> Latency:
    """Summary over every run."""
    flat = [r for run in results for r in run]
    seconds = [r.seconds for r in flat if r.text is not None]
    return Latency(
        requests=len(flat),
        errors=sum(r.text is None for r in flat),
        p50_ms=round(statistics.median(seconds) * 1000, 1) if seconds else 0.0,
        p95_ms=round(percentile(seconds, 0.95) * 1000, 1),
        mean_ms=round(statistics.fmean(seconds) * 1000, 1) if seconds else 0.0,
    )


@dataclass(frozen=True)
class Crowd:
    """N clients at once, each with a clip whose transcript the server gets right alone."""

    clients: int
    transcripts: int
    correct: int
    busy: int
    timeouts: int
    other_errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    wall_s: float
    wrong: tuple[str, ...] = ()
    """`reference -> transcript` of the clips that came back otherwise than alone."""


async def crowd(
    uri: str, clips: Sequence[Clip], clients: int, language: str | None, timeout: float
) -> Crowd:
    """Every client sends its clip at the same moment; how many get the right transcript."""
    chosen = [clips[i % len(clips)] for i in range(clients)]
    started = time.monotonic()
    results = await asyncio.gather(*(timed(uri, clip, language, timeout) for clip in chosen))
    wall = time.monotonic() - started
    seconds = [r.seconds for r in results if r.text is not None]
    errors = [r.error or "" for r in results if r.text is None]
    wrong = tuple(
        f"{clip.reference} -> {r.text}"
        for r, clip in zip(results, chosen, strict=True)
        if r.text is not None and spoken_form(r.text) != spoken_form(clip.reference or "")
    )
    busy = sum("busy" in e for e in errors)
    timeouts = sum(("timeout" in e or "no transcript within" in e) for e in errors)
    return Crowd(
        clients=clients,
        transcripts=len(seconds),
        correct=len(seconds) - len(wrong),
        busy=busy,
        timeouts=timeouts,
        other_errors=len(errors) - busy - timeouts,
        p50_ms=round(statistics.median(seconds) * 1000, 1) if seconds else 0.0,
        p95_ms=round(percentile(seconds, 0.95) * 1000, 1),
        max_ms=round(max(seconds, default=0.0) * 1000, 1),
        wall_s=round(wall, 2),
        wrong=wrong,
    )
