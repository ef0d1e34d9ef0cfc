"""Talking to the STT server in tests exactly as Home Assistant does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from wyoming_common.audio import STT_FORMAT, AudioFormat, read_wav
from wyoming_common.client import WyomingConnection

HA_CHUNK_BYTES = 320  # 10 ms of 16 kHz 16-bit mono


def wav_audio(path: Path) -> tuple[bytes, AudioFormat]:
    """PCM and format of a WAV file."""
    return read_wav(path)


async def send_audio(
    conn: WyomingConnection,
    pcm: bytes,
    fmt: AudioFormat = STT_FORMAT,
    *,
    language: str | None = "en",
    transcribe: bool = True,
    chunk_bytes: int = HA_CHUNK_BYTES,
    stop: bool = True,
    names: tuple[str, ...] = (),
) -> None:
    """HA's sequence: transcribe {language}, audio-start (timestamp null), chunks, audio-stop.

    names become `transcript_names` (sent by wyoming >= 1.10 clients, not by HA).
    """
    if transcribe:
        await conn.write(
            Transcribe(language=language, transcript_names=list(names) or None).event()
        )
    await conn.write(
        AudioStart(rate=fmt.rate, width=fmt.width, channels=fmt.channels, timestamp=None).event()
    )
    for offset in range(0, len(pcm), chunk_bytes):
        chunk = AudioChunk(
            rate=fmt.rate,
            width=fmt.width,
            channels=fmt.channels,
            audio=pcm[offset : offset + chunk_bytes],
            timestamp=None,
        )
        await conn.write(chunk.event())
    if stop:
        await conn.write(AudioStop().event())


async def read_until_transcript(conn: WyomingConnection, timeout: float = 30.0) -> list[Event]:
    """Every event up to and including the transcript (or an error)."""
    async with asyncio.timeout(timeout):
        return await conn.read_until(lambda event: Transcript.is_type(event.type))


async def transcribe_once(
    uri: str, pcm: bytes, fmt: AudioFormat = STT_FORMAT, **options: object
) -> Transcript:
    """One request on a fresh connection; the final transcript."""
    async with asyncio.timeout(60):
        async with WyomingConnection(uri) as conn:
            await send_audio(conn, pcm, fmt, **options)  # type: ignore[arg-type]
            events = await read_until_transcript(conn)
    assert Transcript.is_type(events[-1].type), events[-1]
    return Transcript.from_event(events[-1])
