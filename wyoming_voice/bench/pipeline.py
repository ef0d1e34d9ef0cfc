"""`wyoming-voice bench pipeline`: end of speech → transcript → answer → first audio, per stage,
p50/p95 over a folder of spoken commands; optionally the same through Home Assistant, or
(`--real`) on a stack it starts with the real models: device commands and open questions."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from satellite.settings import ENV_PREFIX
from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.endpoints import add_endpoint_arguments
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import STAGE_LABELS
from wyoming_common.config import EnvArgumentParser, positive_int
from wyoming_common.errors import ConfigError, WyomingVoiceError

from ..ha_assist import HA_LABELS, add_ha_arguments, bench_from_args
from ..pipeline_cli import options_from, resolve_endpoints
from .pipeline_real import command_turns, question_turns, run_turns, stack_models
from .real_models import default_models_dir, real_models
from .real_stack import real_stack

Samples = dict[str, list[float]]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p50 = median of odd-sized sets)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def summarize(samples: Samples) -> dict[str, dict[str, float]]:
    """p50/p95/mean per stage."""
    return {
        stage: {
            "p50": round(percentile(values, 0.50), 4),
            "p95": round(percentile(values, 0.95), 4),
            "mean": round(statistics.fmean(values), 4),
            "n": len(values),
        }
        for stage, values in samples.items()
        if values
    }


def format_table(title: str, summary: dict[str, dict[str, float]], labels: dict[str, str]) -> str:
    """A small aligned table."""
    lines = [title, f"  {'stage':<34} {'p50 s':>8} {'p95 s':>8} {'mean s':>8} {'n':>4}"]
    for stage, row in summary.items():
        lines.append(
            f"  {labels.get(stage, stage):<34} {row['p50']:8.3f} {row['p95']:8.3f} "
            f"{row['mean']:8.3f} {int(row['n']):4d}"
        )
    return "\n".join(lines)


def command_files(folder: Path, limit: int | None) -> list[Path]:
    """The WAV files to run, sorted."""
    files = sorted(folder.glob("*.wav"))
    return files[:limit] if limit else files


async def bench_wyoming(args: argparse.Namespace, files: Sequence[Path]) -> tuple[Samples, int]:
    """Our standalone pipeline, one command after the other."""
    pipeline = VoicePipeline(await resolve_endpoints(args), options_from(args))
    samples: Samples = {key: [] for key, _label in STAGE_LABELS}
    failures = 0
    for path in files:
        try:
            result = await pipeline.run(stream_pcm(load_command(path), realtime=args.realtime))
        except PipelineError as err:
            failures += 1
            print(f"  {path.name}: {err}", file=sys.stderr)
            continue
        for key, value in result.timings.as_dict().items():
            if value is not None and key in samples:
                samples[key].append(value)
    return samples, failures


def build_parser(prog: str) -> EnvArgumentParser:
    """Flags of `wyoming-voice bench pipeline`."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix=ENV_PREFIX,
        description="Measure end of speech → first reply audio through STT, agent and TTS "
        "(our standalone pipeline; with --ha-url also through Home Assistant's Assist).",
    )
    add_endpoint_arguments(parser)
    parser.add_argument("--audio", type=Path, required=True, help="folder of commands (*.wav)")
    parser.add_argument("--limit", type=positive_int, help="only the first N files")
    parser.add_argument(
        "--realtime", action="store_true", help="stream each command at real-time speed"
    )
    add_ha_arguments(parser, ENV_PREFIX)  # the token only from a file or the environment
    real = parser.add_argument_group("--real: start the stack with the real models")
    real.add_argument(
        "--real",
        action="store_true",
        help="start STT (Whisper base), the agent (a GGUF) and TTS (Piper joe) on loopback and "
        "measure device commands (fast path) and open questions (the model)",
    )
    real.add_argument(
        "--models",
        type=Path,
        default=default_models_dir(),
        help="folder of ../shared/models/fetch-real-models",
    )
    real.add_argument("--llm-model", type=Path, help="GGUF (default: Qwen 1.5B, else 0.5B)")
    real.add_argument("--questions", type=int, default=4, help="open questions to ask (0-6)")
    real.add_argument(
        "--hass-url", help="a real Home Assistant for the agent (default: the fake one)"
    )
    real.add_argument("--hass-token-file", type=Path, help="its long-lived access token file")
    return parser


async def _run_real(args: argparse.Namespace, files: Sequence[Path]) -> int:
    models = stack_models(real_models(args.models), args.llm_model)
    record: dict[str, object] = {
        "bench": "pipeline",
        "real": True,
        "llm": models.llm.name if models.llm else None,
    }
    async with real_stack(
        models, hass_url=args.hass_url, hass_token_file=args.hass_token_file
    ) as stack:
        for name, turns in (
            ("device commands (fast path)", command_turns(files)),
            ("open questions (model)", question_turns(args.questions)),
        ):
            samples, failures = await run_turns(stack, turns, realtime=args.realtime)
            for failure in failures:
                print(f"  {failure}", file=sys.stderr)
            summary = summarize(samples)
            print(
                format_table(
                    f"{name}: {len(turns)} turns, {len(failures)} failed",
                    summary,
                    dict(STAGE_LABELS),
                )
            )
            print()
            record[name.split(" (")[0].replace(" ", "_")] = {
                "failures": len(failures),
                "stages": summary,
            }
    print(json.dumps(record))
    return 0


async def _run(args: argparse.Namespace) -> int:
    files = command_files(args.audio, args.limit)
    if not files:
        print(f"error: no *.wav in {args.audio}", file=sys.stderr)
        return 2
    if args.real:
        return await _run_real(args, files)
    labels = dict(STAGE_LABELS)
    record: dict[str, object] = {"bench": "pipeline", "commands": len(files)}
    samples, failures = await bench_wyoming(args, files)
    summary = summarize(samples)
    print(
        format_table(
            f"standalone pipeline ({len(files)} commands, {failures} failed)", summary, labels
        )
    )
    record["standalone"] = {"failures": failures, "stages": summary}
    if args.ha_url:
        ha_samples, ha_failures = await bench_from_args(args, files, ENV_PREFIX)
        ha_summary = summarize(ha_samples)
        print()
        print(format_table(f"Home Assistant Assist ({ha_failures} failed)", ha_summary, HA_LABELS))
        record["home_assistant"] = {"failures": ha_failures, "stages": ha_summary}
        ours = summary.get("first_audio", {}).get("p50")
        theirs = ha_summary.get("first_audio", {}).get("p50")
        if ours and theirs:
            record["first_audio_ratio_ha_over_standalone"] = round(theirs / ours, 2)
            print(f"\nfirst audio p50: Home Assistant / standalone = {theirs / ours:.2f}")
    print(json.dumps(record))
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench pipeline") -> int:
    """Run the benchmark and print a table and a JSON line (never asserts); 1 when a service
    fails, 2 for a usage error (a bad flag, a missing URI or token file)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except ConfigError as err:
        parser.error(str(err))
    except WyomingVoiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
