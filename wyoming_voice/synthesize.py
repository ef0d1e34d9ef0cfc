"""`wyoming-voice synthesize "TEXT" -o out.wav`: speak text through a TTS service into a WAV."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from voice_pipeline.tts_client import synthesize
from wyoming_common.audio import write_wav
from wyoming_common.client import ServiceUnavailableError


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The command's flags."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Send text to a Wyoming TTS service, write the audio to a WAV file and "
        "print the time to the first audio and the total time.",
    )
    parser.add_argument("text", help="what to say")
    parser.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    parser.add_argument("--uri", default="tcp://127.0.0.1:10200", help="TTS service URI")
    parser.add_argument("--voice", help="voice name (default: the service's default voice)")
    parser.add_argument("--speaker", help="speaker of a multi-speaker voice")
    parser.add_argument(
        "--stream",
        action="store_true",
        help="send the text as streaming fragments (synthesize-start/chunk/stop), like a "
        "language model's reply",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice synthesize") -> int:
    """Synthesize, write the WAV, print timings; 1 when the service fails."""
    args = build_parser(prog).parse_args(argv)
    try:
        result = asyncio.run(
            synthesize(
                args.uri,
                args.text,
                voice=args.voice,
                speaker=args.speaker,
                stream=args.stream,
                timeout=args.timeout,
            )
        )
    except ServiceUnavailableError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if result.fmt is None:
        print("error: the service sent no audio-start", file=sys.stderr)
        return 1
    write_wav(args.output, bytes(result.audio), result.fmt)
    first = "-" if result.first_audio is None else f"{result.first_audio:.3f} s"
    print(
        f"{args.output}: {result.seconds:.2f} s of audio at {result.fmt.rate} Hz "
        f"({result.blocks} block(s)); first audio after {first}, total {result.total:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
