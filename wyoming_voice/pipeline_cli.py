"""`wyoming-voice pipeline FILE.wav`: WAV → STT → agent → TTS once, with per-stage timings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from satellite.settings import ENV_PREFIX
from voice_pipeline.audio_io import ReplyCollector, load_command, stream_pcm
from voice_pipeline.endpoints import EndpointResolver, EndpointSettings, add_endpoint_arguments
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import (
    STAGE_LABELS,
    PipelineEndpoints,
    PipelineOptions,
    PipelineResult,
)
from wyoming_common.audio import write_wav
from wyoming_common.config import EnvArgumentParser
from wyoming_common.errors import WyomingVoiceError


async def resolve_endpoints(args: argparse.Namespace) -> PipelineEndpoints:
    """Endpoints from the flags (and zeroconf with --discover)."""
    settings = EndpointSettings(
        stt_uri=args.stt_uri,
        agent_uri=args.agent_uri,
        tts_uri=args.tts_uri,
        discover=args.discover,
        discover_seconds=args.discover_seconds,
    )
    return await EndpointResolver(settings).resolve()


def options_from(args: argparse.Namespace) -> PipelineOptions:
    """Pipeline options from the flags."""
    return PipelineOptions(language=args.language, voice=args.voice)


def format_timings(result: PipelineResult) -> list[str]:
    """One line per measured stage."""
    values = result.timings.as_dict()
    return [
        f"  {label:<32} {values[key]:7.3f} s"
        for key, label in STAGE_LABELS
        if values.get(key) is not None
    ]


def build_parser(prog: str) -> EnvArgumentParser:
    """Flags of `wyoming-voice pipeline`."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix=ENV_PREFIX,
        description="Send a WAV file through STT, the agent and TTS once; print the "
        "transcript, the reply and how long each stage took.",
    )
    parser.add_argument("wav", type=Path, help="the spoken command (any PCM WAV)")
    add_endpoint_arguments(parser)
    parser.add_argument("-o", "--output", type=Path, help="write the reply audio to this WAV")
    parser.add_argument("--realtime", action="store_true", help="stream the WAV at real-time speed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


async def _run(args: argparse.Namespace) -> int:
    pcm = load_command(args.wav)
    pipeline = VoicePipeline(await resolve_endpoints(args), options_from(args))
    collector = ReplyCollector()
    result = await pipeline.run(stream_pcm(pcm, realtime=args.realtime), collector)
    if args.output and collector.fmt is not None:
        write_wav(args.output, bytes(collector.audio), collector.fmt)
    if args.json:
        print(
            json.dumps(
                {
                    "transcript": result.transcript,
                    "reply": result.reply,
                    "handled": result.handled,
                    "conversation_id": result.conversation_id,
                    "audio_seconds": round(result.audio_seconds, 3),
                    "agent_streamed": result.agent_streamed,
                    "tts_streamed": result.tts_streamed,
                    "timings": result.timings.as_dict(),
                }
            )
        )
        return 0
    print(f"transcript: {result.transcript}")
    print(f"reply:      {result.reply}")
    mode = f"agent {'streamed' if result.agent_streamed else 'whole'}, tts " + (
        "streamed" if result.tts_streamed else "whole"
    )
    print(f"timings ({mode}):")
    print("\n".join(format_timings(result)))
    if collector.fmt is not None:
        where = f" → {args.output}" if args.output else ""
        print(f"reply audio: {result.audio_seconds:.2f} s at {collector.fmt.rate} Hz{where}")
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice pipeline") -> int:
    """Run one turn and print what happened."""
    args = build_parser(prog).parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except WyomingVoiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the WAV to read, or the one to write
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        return 1
