"""Command audio in and reply audio out, for clients that drive the pipeline from files or
HTTP bodies rather than a live microphone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav

from .convert import PcmConverter
from .types import PipelineListener

CHUNK_BYTES = 2048  # 64 ms at 16 kHz


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
