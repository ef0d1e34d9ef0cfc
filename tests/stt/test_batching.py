"""Many rooms at once: requests batched on one Whisper model, and a fast `busy` beyond a bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import numpy as np
from wyoming.asr import Transcript
from wyoming.error import Error

from tests.support.services import shared_path
from wyoming_common.client import WyomingConnection
from wyoming_common.worker import CancelToken, ModelWorker
from wyoming_stt.batching import BatchQueue, BusyError
from wyoming_stt.engines import (
    ModelCard,
    TranscriptionRequest,
    TranscriptSegment,
    Vocabulary,
)
from wyoming_stt.whisper.engine import FasterWhisperTranscriber

from .conftest import stt_service
from .wyoming_io import read_until_transcript, send_audio, wav_audio

SPOKEN = "turn on the kitchen light"


async def _one(uri: str, pcm: bytes, fmt: object) -> tuple[str, str]:
    async with asyncio.timeout(120), WyomingConnection(uri) as conn:
        await send_audio(conn, pcm, fmt)  # type: ignore[arg-type]
        last = (await read_until_transcript(conn, timeout=120))[-1]
    if Error.is_type(last.type):
        error = Error.from_event(last)
        return "error", error.code or ""
    return "transcript", Transcript.from_event(last).text


async def test_concurrent_requests_are_decoded_in_batches(
    whisper_engine: FasterWhisperTranscriber,
) -> None:
    pcm, fmt = wav_audio(shared_path("audio", "misc", "living_room_light_en.wav"))
    queue = BatchQueue(whisper_engine, ModelWorker("batch-test"))
    async with stt_service(whisper_engine, queue) as runner:
        results = await asyncio.gather(*(_one(runner.uri, pcm, fmt) for _ in range(12)))
    assert results == [("transcript", SPOKEN)] * 12
    assert queue.largest_batch > 1 and queue.batches < 12


async def test_beyond_the_queue_bound_clients_get_busy_at_once(
    whisper_engine: FasterWhisperTranscriber,
) -> None:
    """max_queue=2: of 12 clients at once some are refused with `busy`, the rest are served,
    and the service serves normally afterwards."""
    pcm, fmt = wav_audio(shared_path("audio", "misc", "living_room_light_en.wav"))
    queue = BatchQueue(whisper_engine, ModelWorker("busy-test"), max_queue=2)
    async with stt_service(whisper_engine, queue) as runner:
        results = await asyncio.gather(*(_one(runner.uri, pcm, fmt) for _ in range(12)))
        after = await _one(runner.uri, pcm, fmt)
    busy = [r for r in results if r == ("error", "busy")]
    served = [r for r in results if r == ("transcript", SPOKEN)]
    assert busy and served and len(busy) + len(served) == 12, results
    assert after == ("transcript", SPOKEN)


class _SleepingEngine:
    """An engine whose requests take a set time: 2 s when named "slow", else 0.05 s (for the
    queue's wait estimate; the queue sees only max_batch and transcribe_batch)."""

    engine_name = "sleeping"
    streams_partial_text = False
    max_batch = 1
    card = ModelCard("sleeping", "sleeps", ("en",), "tests", "https://example.invalid")

    def load(self) -> ModelCard:
        return self.card

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        del vocabulary

    def transcribe_batch(
        self, requests: Sequence[TranscriptionRequest], token: CancelToken
    ) -> list[list[TranscriptSegment]]:
        time.sleep(sum(2.0 if r.names == ("slow",) else 0.05 for r in requests))
        return [[TranscriptSegment(text="ok", language="en")] for _ in requests]

    def close(self) -> None:
        pass


async def test_one_slow_request_does_not_make_the_next_ones_busy() -> None:
    """The wait estimate is the median of recent batches: after one 2 s request, ten at once
    (about 0.5 s of work) are all served under a 1 s bound. With the average the estimate
    was 0.64 s a batch after it, 5.7 s for the tenth: refused as busy."""
    worker = ModelWorker("estimate-test")
    queue = BatchQueue(_SleepingEngine(), worker, max_wait=1.0)
    audio = np.zeros(1600, dtype=np.float32)
    try:
        for names in ((), (), (), ("slow",)):
            await queue.transcribe(TranscriptionRequest(audio, names=names))
        crowd = [queue.transcribe(TranscriptionRequest(audio)) for _ in range(10)]
        results = await asyncio.gather(*crowd, return_exceptions=True)
    finally:
        await queue.close()
    assert not [r for r in results if isinstance(r, BusyError)], results
    assert queue.refused == 0
