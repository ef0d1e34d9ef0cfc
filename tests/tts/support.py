"""Helpers for the TTS tests: a real service around a real engine, HA-like clients, and an engine
decorator that records (and can hold back) what the real engine synthesizes."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from tests.support.services import running_service
from wyoming_common.audio import AudioFormat
from wyoming_common.client import WyomingConnection
from wyoming_common.worker import CancelToken, ModelWorker
from wyoming_tts.cache import PhraseCache
from wyoming_tts.engines import TtsEngine, VoiceChoice, VoiceDescription
from wyoming_tts.handler import TtsEventHandler
from wyoming_tts.info import build_info
from wyoming_tts.synthesizer import Synthesizer

STEP = 10.0  # upper bound for any single await


@dataclass
class TtsService:
    """A running TTS server and what it is built from."""

    uri: str
    synthesizer: Synthesizer


@asynccontextmanager
async def tts_service(
    engine: TtsEngine,
    *,
    streaming: bool = True,
    cache_bytes: int = 0,
    samples_per_chunk: int = 1024,
    max_sentence_chars: int = 400,
    max_text_chars: int = 10_000,
) -> AsyncIterator[TtsService]:
    """The service as __main__ wires it, on a free loopback port (cache off unless asked)."""
    worker = ModelWorker(f"tts-{engine.name}", concurrency=engine.concurrency)
    synthesizer = Synthesizer(engine, worker, PhraseCache(cache_bytes), timeout=60)

    def info() -> Info:
        return build_info(engine.voices(), engine=engine.name, streaming=streaming)

    factory = partial(
        TtsEventHandler,
        synthesizer=synthesizer,
        info=info,
        streaming=streaming,
        samples_per_chunk=samples_per_chunk,
        max_sentence_chars=max_sentence_chars,
        max_text_chars=max_text_chars,
    )
    async with running_service(factory, service="tts", load=partial(worker.run, engine.load)) as r:
        yield TtsService(r.uri, synthesizer)


# -- clients ----------------------------------------------------------------------------------


def _voice(name: str | None, speaker: str | None, language: str | None) -> SynthesizeVoice | None:
    if name is None and language is None:
        return None
    return SynthesizeVoice(name=name, speaker=speaker, language=language)


async def speak_once(
    uri: str,
    text: str,
    *,
    voice: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
) -> list[Event]:
    """HA's non-streaming request: synthesize, read until audio-stop."""
    async with WyomingConnection(uri, read_timeout=STEP) as conn:
        await conn.write(Synthesize(text=text, voice=_voice(voice, speaker, language)).event())
        return await conn.read_until(lambda event: AudioStop.is_type(event.type))


async def speak_streaming(
    uri: str,
    fragments: Sequence[str],
    *,
    voice: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
    check_quiet: bool = True,
) -> list[Event]:
    """HA's streaming request: start, chunks, the compatibility synthesize, stop; read until
    synthesize-stopped. With check_quiet, a describe afterwards proves nothing else follows."""
    voice_field = _voice(voice, speaker, language)
    async with WyomingConnection(uri, read_timeout=STEP) as conn:
        await conn.write(SynthesizeStart(voice=voice_field).event())
        for fragment in fragments:
            await conn.write(SynthesizeChunk(text=fragment).event())
        await conn.write(Synthesize(text="".join(fragments), voice=voice_field).event())
        await conn.write(SynthesizeStop().event())
        events = await conn.read_until(lambda event: SynthesizeStopped.is_type(event.type))
        if check_quiet:
            await conn.write(Describe().event())
            after = await conn.read_until(lambda event: Info.is_type(event.type))
            assert [event.type for event in after] == ["info"], after
        return events


def fragments_of(text: str, size: int) -> list[str]:
    """Text cut every size characters (mid-word, mid-number)."""
    return [text[i : i + size] for i in range(0, len(text), size)]


# -- reading the answer -----------------------------------------------------------------------


@dataclass
class Block:
    """One audio-start / audio-chunk* / audio-stop group."""

    fmt: AudioFormat
    chunks: list[AudioChunk] = field(default_factory=list)

    @property
    def audio(self) -> bytes:
        """The block's PCM."""
        return b"".join(chunk.audio for chunk in self.chunks)


def audio_blocks(events: Sequence[Event]) -> list[Block]:
    """Split events into blocks, asserting the structure and one format per block."""
    blocks: list[Block] = []
    current: Block | None = None
    for event in events:
        if AudioStart.is_type(event.type):
            assert current is None, "audio-start inside a block"
            start = AudioStart.from_event(event)
            current = Block(AudioFormat(start.rate, start.width, start.channels))
        elif AudioChunk.is_type(event.type):
            assert current is not None, "audio-chunk outside a block"
            chunk = AudioChunk.from_event(event)
            assert (chunk.rate, chunk.width, chunk.channels) == (
                current.fmt.rate,
                current.fmt.width,
                current.fmt.channels,
            )
            current.chunks.append(chunk)
        elif AudioStop.is_type(event.type):
            assert current is not None, "audio-stop outside a block"
            blocks.append(current)
            current = None
    assert current is None, "block without audio-stop"
    return blocks


def same_speech(ours: bytes, reference: bytes, min_correlation: float = 0.999) -> bool:
    """The same waveform up to loudness: equal length and a correlation near 1 (Piper scales each
    sentence to full scale; we scale by one gain per voice)."""
    a = np.frombuffer(ours, dtype="<i2").astype(np.float64)
    b = np.frombuffer(reference, dtype="<i2").astype(np.float64)
    if a.size != b.size or a.size == 0:
        return False
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))) >= min_correlation


def all_audio(events: Sequence[Event]) -> bytes:
    """Every block's PCM, in order."""
    return b"".join(block.audio for block in audio_blocks(events))


# -- engine decorator -------------------------------------------------------------------------


class RecordingEngine:
    """Wraps a real engine: records each sentence it synthesizes (with monotonic times) and can
    hold back one sentence until `release` is set (to prove ordering without timing)."""

    def __init__(self, inner: TtsEngine, *, hold: str | None = None) -> None:
        self.inner = inner
        self.hold = hold
        self.release = threading.Event()
        self.released_in_time: bool | None = None
        self.sentences: list[tuple[float, str]] = []  # (time synthesized, text)
        self.tokens: list[CancelToken] = []  # one per synthesize call
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def concurrency(self) -> int:
        return self.inner.concurrency

    @property
    def cache_tag(self) -> str:
        return self.inner.cache_tag

    @property
    def default_voice(self) -> str:
        return self.inner.default_voice

    def load(self) -> None:
        self.inner.load()

    def voices(self) -> Sequence[VoiceDescription]:
        return self.inner.voices()

    def audio_format(self, voice: str) -> AudioFormat:
        return self.inner.audio_format(voice)

    def synthesize(
        self, sentence: str, choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        self.tokens.append(cancel)
        if sentence == self.hold:
            self.released_in_time = self.release.wait(STEP)
        first = True
        for audio in self.inner.synthesize(sentence, choice, cancel):
            if first:
                with self._lock:
                    self.sentences.append((time.monotonic(), sentence))
                first = False
            yield audio

    @property
    def texts(self) -> list[str]:
        """Sentences synthesized so far, in order."""
        with self._lock:
            return [text for _when, text in self.sentences]
