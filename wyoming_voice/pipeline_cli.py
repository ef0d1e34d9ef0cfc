"""`wyoming-voice pipeline FILE.wav`: WAV → STT → agent → TTS once, with per-stage timings."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
from wyoming_common.errors import BadRequestError, ConfigError, WyomingVoiceError


def endpoint_settings(args: argparse.Namespace) -> EndpointSettings:
    """The service flags; ConfigError when a stage has neither a URI nor --discover."""
    settings = EndpointSettings(
        stt_uri=args.stt_uri,
        agent_uri=args.agent_uri,
        tts_uri=args.tts_uri,
        discover=args.discover,
        discover_seconds=args.discover_seconds,
    )
    if not settings.discover:
        for stage, uri in (("stt", args.stt_uri), ("agent", args.agent_uri), ("tts", args.tts_uri)):
            if not uri:
                raise ConfigError(f"--{stage}-uri", "required (or --discover to find it)")
    return settings


async def resolve_endpoints(args: argparse.Namespace) -> PipelineEndpoints:
    """Endpoints from the flags (and zeroconf with --discover)."""
    return await EndpointResolver(endpoint_settings(args)).resolve()


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


async def _run(args: argparse.Namespace, pcm: bytes, services: EndpointSettings) -> int:
    pipeline = VoicePipeline(await EndpointResolver(services).resolve(), options_from(args))
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


def _usage_checks(
    parser: EnvArgumentParser, args: argparse.Namespace
) -> tuple[bytes, EndpointSettings]:
    """What the flags name must exist before any service is asked (else exit 2)."""
    try:
        pcm = load_command(args.wav)
        services = endpoint_settings(args)
    except (BadRequestError, ConfigError) as err:  # not a WAV; a missing --X-uri
        parser.error(str(err))
    except OSError as err:
        parser.error(f"{args.wav}: {err.strerror or err}")
    if args.output is not None:
        folder = args.output.parent
        if args.output.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            parser.error(f"-o {args.output}: cannot write there")
    return pcm, services


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice pipeline") -> int:
    """Run one turn and print what happened: 0 done, 1 when a service (or writing the reply)
    failed, 2 for a usage error (a bad flag, a WAV that cannot be read, a missing URI)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    pcm, services = _usage_checks(parser, args)
    try:
        return asyncio.run(_run(args, pcm, services))
    except WyomingVoiceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # writing the reply
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        return 1
