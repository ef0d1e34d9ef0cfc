"""`wyoming-voice transcribe FILE.wav`: send a WAV to an STT service like Home Assistant does."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

from voice_pipeline.stt_client import transcribe_audio
from wyoming_common.audio import AudioFormat
from wyoming_common.config import positive_float, wyoming_uri
from wyoming_common.errors import WyomingVoiceError

DEFAULT_URI = "tcp://127.0.0.1:10300"


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Flags of the transcribe command."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Stream a WAV file to a Wyoming speech-to-text service (transcribe, "
        "audio-start, 10 ms chunks, audio-stop, as Home Assistant does) and print the "
        "transcript.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("wav", type=Path, help="PCM WAV file (any rate, width, channels)")
    parser.add_argument("--uri", type=wyoming_uri, default=DEFAULT_URI, help="STT service")
    parser.add_argument("--language", default=None, help="language to ask for (en, de, ...)")
    parser.add_argument(
        "--chunk-ms", type=positive_float, default=10.0, help="audio per audio-chunk event"
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        help="a name to bias recognition toward (transcript_names), repeatable",
    )
    parser.add_argument("--timeout", type=positive_float, default=60.0, help="seconds to wait")
    parser.add_argument(
        "--json", action="store_true", help="print the transcript and timings as JSON"
    )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice transcribe") -> int:
    """Print the transcript of the WAV file; 1 when the service fails."""
    args = build_parser(prog).parse_args(argv)
    try:
        pcm, fmt = read_recording(args.wav)
        result = asyncio.run(
            transcribe_audio(
                args.uri,
                pcm,
                fmt,
                language=args.language,
                chunk_ms=args.chunk_ms,
                names=tuple(args.name),
                timeout=args.timeout,
            )
        )
    except RecordingError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except (WyomingVoiceError, OSError, TimeoutError) as err:
        print(f"{prog}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "text": result.text,
                    "language": result.language,
                    "chunks": list(result.chunks),
                    "audio_seconds": round(result.audio_seconds, 3),
                    "seconds_after_stop": round(result.seconds_after_stop, 4),
                    "first_chunk_after_stop": (
                        None
                        if result.first_chunk_after_stop is None
                        else round(result.first_chunk_after_stop, 4)
                    ),
                    "total_seconds": round(result.total_seconds, 4),
                    "real_time_factor": round(result.real_time_factor, 4),
                },
                ensure_ascii=False,
            )
        )
    else:
        print(result.text)
    return 0


class RecordingError(Exception):
    """The file given is not a recording this command can send."""


def read_recording(path: Path) -> tuple[bytes, AudioFormat]:
    """PCM frames and format of a WAV file; RecordingError says in one line what is wrong."""
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if path.is_dir():
        raise RecordingError(f"{path} is a folder, not a WAV file")
    try:
        with wave.open(str(path), "rb") as wav:
            fmt = AudioFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
            pcm = wav.readframes(wav.getnframes())
    except EOFError as err:
        raise RecordingError(f"{path} is not a WAV file (it is empty or cut short)") from err
    except wave.Error as err:
        reason = str(err) or "unreadable header"
        if "RIFF" in reason:
            reason = "it does not start with a RIFF/WAVE header"
        elif "unknown format" in reason:
            reason = f"{reason}; only integer PCM is supported (convert it, e.g. with sox)"
        raise RecordingError(f"{path} is not a PCM WAV file: {reason}") from err
    except OSError as err:
        raise RecordingError(f"{path}: cannot read it ({err.strerror or err})") from err
    try:
        fmt.validate()
    except WyomingVoiceError as err:
        raise RecordingError(f"{path}: {err}") from err
    if not pcm:
        raise RecordingError(f"{path} holds no audio")
    return pcm, fmt


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
