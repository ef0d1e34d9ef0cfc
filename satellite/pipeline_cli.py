"""`wyoming-voice pipeline FILE.wav`: WAV → STT → agent → TTS once, with per-stage timings."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav, write_wav
from wyoming_common.config import EnvArgumentParser, positive_float, wyoming_uri
from wyoming_common.errors import WyomingVoiceError

from .arguments import ENV_PREFIX
from .convert import PcmConverter
from .pipeline import VoicePipeline
from .pipeline_types import PipelineEndpoints, PipelineListener, PipelineOptions, PipelineResult
from .service_finder import EndpointResolver
from .settings import StandaloneSettings

CHUNK_BYTES = 2048  # 64 ms at 16 kHz

STAGE_LABELS = (
    ("stt", "end of speech → transcript"),
    ("agent_first", "transcript → first reply text"),
    ("agent", "transcript → whole reply"),
    ("tts_first", "first reply text → first audio"),
    ("first_audio", "end of speech → first audio"),
    ("total", "end of speech → last audio"),
)


def add_endpoint_arguments(parser: EnvArgumentParser) -> None:
    """--stt-uri/--agent-uri/--tts-uri/--discover/--language/--voice."""
    group = parser.add_argument_group("services")
    group.add_argument("--stt-uri", type=wyoming_uri, help="speech-to-text service")
    group.add_argument("--agent-uri", type=wyoming_uri, help="conversation agent service")
    group.add_argument("--tts-uri", type=wyoming_uri, help="text-to-speech service")
    group.add_argument("--discover", action="store_true", help="find missing ones by zeroconf")
    group.add_argument(
        "--discover-seconds", type=positive_float, default=3.0, help="zeroconf browse time"
    )
    group.add_argument("--language", default="en", help="language for STT and the agent")
    group.add_argument("--voice", help="TTS voice (default: the service's)")


async def resolve_endpoints(args: argparse.Namespace) -> PipelineEndpoints:
    """Endpoints from the flags (and zeroconf with --discover)."""
    settings = StandaloneSettings(
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


def load_command(path: Path) -> bytes:
    """A WAV file as 16 kHz mono 16-bit PCM."""
    pcm, fmt = read_wav(path)
    return convert_pcm(pcm, fmt.validate(), STT_FORMAT)


async def stream_pcm(pcm: bytes, *, realtime: bool = False) -> AsyncIterator[bytes]:
    """Chunks of a command, optionally paced like a live microphone."""
    for i in range(0, len(pcm), CHUNK_BYTES):
        yield pcm[i : i + CHUNK_BYTES]
        await asyncio.sleep(STT_FORMAT.seconds(CHUNK_BYTES) if realtime else 0)


class ReplyCollector(PipelineListener):
    """Keeps the reply audio in memory (in the first block's format)."""

    def __init__(self) -> None:
        self.fmt: AudioFormat | None = None
        self.audio = bytearray()
        self._converter: PcmConverter | None = None

    async def on_audio(self, audio: bytes, fmt: AudioFormat) -> None:
        if self.fmt is None:
            self.fmt = fmt
        if fmt != self.fmt:
            if self._converter is None or self._converter.src != fmt:
                self._converter = PcmConverter(fmt, self.fmt)
            audio = self._converter.convert(audio)
        self.audio.extend(audio)


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
