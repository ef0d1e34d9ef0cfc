"""`wyoming-voice bench satellite`: how the satellites behave as one household (issue 16).

- arbitration delay: satellites on loopback UDP with the evidence of the real wake clip heard
  near (gain 1) and far (gain 0.3) over room noise; the winner's added delay;
- stop latency: a real satellite in a simulated room plays a reply of our own TTS (echoing
  into its microphone); "stop" in our voice is mixed in; end of the word → speaker stopped;
- false wakes per hour: background_noise.wav looped with our own TTS playing half of the
  time: the wake and stop detectors raw, after the echo canceller, and as the satellite uses
  them (the wake word is deaf while it plays).

Our own TTS: `--tts-uri`, else `wyoming-voice tts` started here with the real Piper voice
(`--models`, see fetch-real-models) or espeak-ng when it is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from satellite.arbitration.settings import MAX_WINDOW
from satellite.devices.settings import SndSettings
from satellite.settings import SatelliteSettings
from voice_pipeline.tts_client import synthesize
from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav
from wyoming_common.config import (
    CommandParser,
    ServiceSettings,
    client_uri,
    positive_float,
    positive_int,
)
from wyoming_common.errors import WyomingVoiceError

from .real_models import default_models_dir, real_models
from .satellite_measures import (
    arbitration_delays,
    evidence_of,
    false_wakes,
    stop_latencies,
)
from .satellite_tts import running_tts

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "audio"
REPLY = (
    "Here is the weather for today. It will be sunny with a high of twenty degrees, a light "
    "wind from the west, and tomorrow brings rain in the afternoon, so take an umbrella."
)
TALK = (
    "Okay. I turned on the kitchen light. The timer is set for five minutes. It is twenty "
    "past three. I will stop the music in the living room. Nabu is a name I like. Which room "
    "do you mean? Alexa and Jarvis are other assistants. Hey, the door is locked."
)


def _pcm(result_audio: bytes, fmt: AudioFormat) -> bytes:
    return convert_pcm(result_audio, fmt, STT_FORMAT)


async def _voice(uri: str, text: str) -> tuple[bytes, AudioFormat]:
    result = await synthesize(uri, text)
    if result.fmt is None:
        raise WyomingVoiceError(f"{uri} sent no audio for {text!r}")
    return bytes(result.audio), result.fmt


def _stats(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(p95 * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


async def _arbitration(args: argparse.Namespace) -> dict[str, Any]:
    wake, _fmt = read_wav(args.wake_clip)
    noise, _nfmt = read_wav(args.noise)

    def scaled(pcm: bytes, gain: float) -> bytes:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) * gain
        n = np.resize(np.frombuffer(noise, dtype="<i2").astype(np.float32) * 0.3, x.size)
        mixed: bytes = np.clip(x + n, -32768, 32767).astype("<i2").tobytes()
        return mixed

    near = evidence_of(scaled(wake, 1.0), noise, 0.95)
    far = evidence_of(scaled(wake, 0.3), noise, 0.93)
    scenarios = {
        "alone": ([near], [True]),
        "two_both_hear": ([near, far], [True, True]),
        "two_one_hears": ([near, far], [True, False]),
        "three_all_hear": ([near, far, far], [True, True, True]),
    }
    out: dict[str, Any] = {
        "near": round(near.value, 1),
        "far": round(far.value, 1),
        "window_ms": args.window * 1000,
    }
    for name, (evidences, hearing) in scenarios.items():
        rounds = await arbitration_delays(evidences, hearing, args.rounds, args.window)
        winners = [d for r in rounds for d in r if d.won]
        out[name] = _stats([d.waited for d in winners])
        out[name]["winners_per_round"] = round(len(winners) / len(rounds), 2)
        out[name]["near_won"] = all(r[0].won for r in rounds)
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """All three measurements; the result as one JSON-able dict."""
    result: dict[str, Any] = {"arbitration_ms": await _arbitration(args)}
    async with running_tts(args.tts_uri, real_models(args.models)) as (tts_uri, voice_name):
        result["tts"] = voice_name
        reply, reply_fmt = await _voice(tts_uri, REPLY)
        stop, stop_fmt = await _voice(tts_uri, "Stop.")
        talk, talk_fmt = await _voice(tts_uri, TALK)
    settings = SatelliteSettings(
        service=ServiceSettings(uri="tcp://127.0.0.1:0"),
        snd=SndSettings(command=None, lead_in_seconds=0.05),
    )
    runs = await stop_latencies(settings, reply, reply_fmt, _pcm(stop, stop_fmt), args.runs)
    stopped = [r.latency for r in runs if r.latency is not None]
    result["stop_latency_ms"] = _stats(stopped) | {"missed": len(runs) - len(stopped)}
    noise, noise_fmt = read_wav(args.noise)
    counts = await asyncio.to_thread(
        false_wakes, _pcm(noise, noise_fmt), _pcm(talk, talk_fmt), args.minutes, 0.5
    )
    per_hour = {
        key: round(getattr(counts, key) / counts.hours, 2)
        for key in ("wake_raw", "wake_aec", "wake_gated", "stop_raw", "stop_aec")
    }
    result["false_per_hour"] = per_hour | {"hours": round(counts.hours, 3)}
    return result


def _print_table(result: dict[str, Any]) -> None:
    arb = result["arbitration_ms"]
    window = arb["window_ms"]
    print(
        f"arbitration (window {window:.0f} ms, at most {MAX_WINDOW * 1000:.0f}): winner's delay, ms"
    )
    for name in ("alone", "two_both_hear", "two_one_hears", "three_all_hear"):
        row = arb[name]
        print(
            f"  {name:<16} p50 {row['p50']:>6} p95 {row['p95']:>6} max {row['max']:>6}"
            f"  winners/round {row['winners_per_round']}  near won: {row['near_won']}"
        )
    stop = result["stop_latency_ms"]
    print(
        f"stop latency ({result['tts']}): end of 'stop' → playback ended, ms: "
        f"p50 {stop['p50']} p95 {stop['p95']} max {stop['max']} (missed {stop['missed']})"
    )
    fp = result["false_per_hour"]
    print(
        f"false detections per hour ({fp['hours'] * 60:.0f} min of noise + our TTS): "
        f"wake raw {fp['wake_raw']}, after AEC {fp['wake_aec']}, as used (gated) "
        f"{fp['wake_gated']}; stop raw {fp['stop_raw']}, after AEC {fp['stop_aec']}"
    )


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench satellite") -> int:
    """Run the benchmark: a table, then one JSON line."""
    parser = CommandParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tts-uri", type=client_uri, help="our TTS service (default: start one here)"
    )
    parser.add_argument("--models", type=Path, default=default_models_dir(), help="real models")
    parser.add_argument("--wake-clip", type=Path, default=SHARED / "wake" / "okay_nabu.wav")
    parser.add_argument(
        "--noise", type=Path, default=SHARED / "misc" / "background_noise.wav", help="room noise"
    )
    parser.add_argument(
        "--rounds", type=positive_int, default=50, help="arbitration rounds a scenario"
    )
    parser.add_argument("--window", type=positive_float, default=0.2, help="arbitration window, s")
    parser.add_argument("--runs", type=positive_int, default=10, help="stop words said")
    parser.add_argument(
        "--minutes", type=positive_float, default=10.0, help="audio for false wakes"
    )
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except (WyomingVoiceError, OSError) as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
    _print_table(result)
    print(json.dumps({"bench": "satellite", **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
