"""Request bodies to 16 kHz mono 16-bit PCM: a WAV, or raw PCM whose content type says its format.

- `audio/wav` (also `audio/x-wav`, `audio/wave`, `audio/vnd.wave`): any PCM WAV.
- `audio/L16;rate=16000;channels=1`: RFC 3551 linear PCM, 16-bit **big-endian**.
- `audio/pcm;rate=16000;channels=1[;width=2]`: raw little-endian PCM (what a browser's
  Int16Array or Wyoming's audio-chunk holds).
- no content type or `application/octet-stream`: a WAV, recognised by its RIFF header.
"""

from __future__ import annotations

import numpy as np
from aiohttp.helpers import parse_mimetype

from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav_bytes
from wyoming_common.errors import BadRequestError

from .errors import UnsupportedMediaTypeError

WAV_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
MIN_SECONDS = 0.1


def _int_param(params: dict[str, str], name: str, default: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        if default is None:
            raise BadRequestError(f"the content type needs a {name}= parameter")
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise BadRequestError(f"{name}={raw!r} in the content type is not a number") from err


def _raw_pcm(body: bytes, fmt: AudioFormat, *, big_endian: bool) -> bytes:
    fmt.validate()
    body = body[: len(body) - len(body) % fmt.bytes_per_frame]
    if big_endian:  # Wyoming and our converters read little-endian samples
        body = np.frombuffer(body, dtype=">i2").astype("<i2").tobytes()
    return body


def decode_audio(body: bytes, content_type: str | None) -> tuple[bytes, AudioFormat]:
    """The body's PCM and its format; BadRequestError (400) or UnsupportedMediaTypeError (415)."""
    mime = parse_mimetype(content_type or "")
    kind = f"{mime.type}/{mime.subtype}".lower() if mime.type else ""
    params = {key.lower(): value for key, value in mime.parameters.items()}
    if kind in WAV_TYPES or (kind in ("", "application/octet-stream") and body[:4] == b"RIFF"):
        return read_wav_bytes(body)
    if kind == "audio/l16":
        fmt = AudioFormat(_int_param(params, "rate", None), 2, _int_param(params, "channels", 1))
        return _raw_pcm(body, fmt, big_endian=True), fmt
    if kind == "audio/pcm":
        width = _int_param(params, "width", 2)
        fmt = AudioFormat(
            _int_param(params, "rate", None), width, _int_param(params, "channels", 1)
        )
        return _raw_pcm(body, fmt, big_endian=False), fmt
    raise UnsupportedMediaTypeError(
        f"unsupported content type {content_type or '(none)'!r}: send audio/wav, "
        "audio/L16;rate=R;channels=C or audio/pcm;rate=R;channels=C"
    )


def command_pcm(body: bytes, content_type: str | None) -> bytes:
    """The body as 16 kHz mono 16-bit PCM, ready for STT."""
    if not body:
        raise BadRequestError("the request has no body: send the spoken command")
    pcm, fmt = decode_audio(body, content_type)
    if fmt.seconds(len(pcm)) < MIN_SECONDS:
        raise BadRequestError(f"less than {MIN_SECONDS} s of audio")
    return convert_pcm(pcm, fmt, STT_FORMAT)
