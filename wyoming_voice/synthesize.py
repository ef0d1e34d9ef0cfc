"""`wyoming-voice synthesize "TEXT" -o out.wav`: speak text through a TTS service into a WAV."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wyoming.info import Info

from voice_pipeline.service_check import check_service
from voice_pipeline.tts_client import synthesize
from wyoming_common.audio import write_wav
from wyoming_common.config import CommandParser, client_uri, positive_float
from wyoming_common.errors import WyomingVoiceError


class CommandError(Exception):
    """A one-line failure for the user, with the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def build_parser(prog: str) -> CommandParser:
    """The command's flags (usage errors: one line, exit 2)."""
    parser = CommandParser(
        prog=prog,
        description="Send text to a Wyoming TTS service, write the audio to a WAV file and "
        "print the time to the first audio and the total time.",
    )
    parser.add_argument("text", help="what to say")
    parser.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    parser.add_argument(
        "--uri", type=client_uri, default="tcp://127.0.0.1:10200", help="TTS service URI"
    )
    parser.add_argument("--voice", help="voice name (default: the service's default voice)")
    parser.add_argument("--speaker", help="speaker of a multi-speaker voice")
    parser.add_argument(
        "--stream",
        action="store_true",
        help="send the text as streaming fragments (synthesize-start/chunk/stop), like a "
        "language model's reply",
    )
    parser.add_argument("--timeout", type=positive_float, default=120.0, help="seconds to wait")
    return parser


def check_output(path: Path) -> None:
    """Fail before synthesizing when the WAV file cannot be written (a usage error)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CommandError(f"-o {path}: is a directory", 2)
    if not folder.is_dir():
        raise CommandError(f"-o {path}: folder {folder} does not exist", 2)
    if not os.access(folder, os.W_OK):
        raise CommandError(f"-o {path}: folder {folder} is not writable", 2)


def check_voice(info: Info, uri: str, voice: str | None, speaker: str | None) -> None:
    """The service has the voice (and speaker) asked for: the server would fall back to its
    default voice, which is right for Home Assistant but not for an explicit flag."""
    if voice is None or not info.tts:
        return
    voices = {item.name.casefold(): item for item in info.tts[0].voices}
    match = voices.get(voice.casefold())
    if match is None:
        names = ", ".join(item.name for item in info.tts[0].voices[:10]) or "none"
        raise CommandError(f"--voice {voice}: {uri} has no such voice (voices: {names})", 2)
    speakers = [item.name for item in match.speakers or []]
    if speaker is not None and speakers and speaker not in speakers:
        raise CommandError(
            f"--speaker {speaker}: voice {match.name} has no such speaker "
            f"(speakers: {', '.join(speakers)})",
            2,
        )


async def _run(args: argparse.Namespace) -> str:
    check_output(args.output)
    info = await check_service("tts", args.uri, min(args.timeout, 5.0))  # a TTS service at all
    check_voice(info, args.uri, args.voice, args.speaker)
    result = await synthesize(
        args.uri,
        args.text,
        voice=args.voice,
        speaker=args.speaker,
        stream=args.stream,
        timeout=args.timeout,
        check=False,
    )
    if result.fmt is None:
        raise CommandError("the service sent no audio-start")
    try:
        write_wav(args.output, bytes(result.audio), result.fmt)
    except OSError as err:
        raise CommandError(f"-o {args.output}: {err.strerror or err}") from err
    first = "-" if result.first_audio is None else f"{result.first_audio:.3f} s"
    return (
        f"{args.output}: {result.seconds:.2f} s of audio at {result.fmt.rate} Hz "
        f"({result.blocks} block(s)); first audio after {first}, total {result.total:.3f} s"
    )


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice synthesize") -> int:
    """Synthesize, write the WAV, print timings; 1 when the service (or writing the file)
    fails, 2 for a usage error: a bad flag, an -o that cannot be written, a voice or speaker
    the service does not have."""
    args = build_parser(prog).parse_args(argv)
    try:
        print(asyncio.run(_run(args)))
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.status
    except WyomingVoiceError as err:  # the service is down, fails, or is not a TTS
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
