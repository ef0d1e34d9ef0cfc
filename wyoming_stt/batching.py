"""Requests from every connection wait in one queue; the engine takes them in batches.

Whenever the engine is free, the requests waiting (up to the engine's `max_batch`) go into one
`transcribe_batch` call: with many rooms talking at once, Whisper encodes and decodes them
together instead of one after the other behind a lock. The time limit of a batch starts when
the engine starts on it and grows with all the audio in it. A request that would wait longer
than `max_wait` seconds (estimated from recent batches), or finds `max_queue` requests
already waiting, is refused at once with a
`busy` error instead of timing out in the queue. A client that leaves before its batch starts
is dropped from the queue; a batch whose clients all left is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from wyoming_common.errors import WyomingVoiceError
from wyoming_common.worker import CancelToken, ModelWorker

from .engines import Transcriber, TranscriptionRequest, TranscriptSegment

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 256
DEFAULT_MAX_WAIT = 45.0
# Generous engine time limit per batch: a slow CPU engine may need a few times real time.
TIMEOUT_BASE_SECONDS = 30.0
TIMEOUT_PER_AUDIO_SECOND = 5.0
RECENT_BATCHES = 15
"""The wait estimate uses the median time of this many recent batches: one slow request (a
long grammar built for many new names, a model warming up) does not make the server refuse
the ones behind it as `busy`."""


class BusyError(WyomingVoiceError):
    """Too many requests are waiting; try again later (answered at once)."""

    code = "busy"


@dataclass
class _Waiting:
    request: TranscriptionRequest
    future: asyncio.Future[list[TranscriptSegment]]
    queued: float = field(default_factory=time.monotonic)


class _BatchToken(CancelToken):
    """Cancelled when the worker gives up (timeout) or every client of the batch left."""

    def __init__(self, futures: Sequence[asyncio.Future[list[TranscriptSegment]]]) -> None:
        super().__init__()
        self._futures = futures
        self.worker_token: CancelToken | None = None

    @property
    def cancelled(self) -> bool:
        if self.worker_token is not None and self.worker_token.cancelled:
            return True
        return super().cancelled or all(f.cancelled() for f in self._futures)


class BatchQueue:
    """The one line in front of an engine."""

    def __init__(
        self,
        transcriber: Transcriber,
        worker: ModelWorker,
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> None:
        self._transcriber = transcriber
        self._worker = worker
        self.max_queue = max_queue
        self.max_wait = max_wait
        self._waiting: deque[_Waiting] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self._batch_started: float | None = None
        self._recent: deque[float] = deque(maxlen=RECENT_BATCHES)
        self.batches = 0
        self.largest_batch = 0
        self.refused = 0

    @property
    def waiting(self) -> int:
        """Requests not yet handed to the engine."""
        return len(self._waiting)

    def expected_wait(self) -> float:
        """Seconds a new request would wait before its batch starts (estimate)."""
        if self._batch_started is None and not self._waiting:
            return 0.0
        per_batch = statistics.median(self._recent) if self._recent else 0.0
        ahead = math.ceil((len(self._waiting) + 1) / max(1, self._transcriber.max_batch)) - 1
        running = 0.0
        if self._batch_started is not None:
            elapsed = time.monotonic() - self._batch_started
            running = max(0.0, per_batch - elapsed)
        return running + ahead * per_batch

    async def transcribe(self, request: TranscriptionRequest) -> list[TranscriptSegment]:
        """The segments of one request, once its batch is done; BusyError when full."""
        if len(self._waiting) >= self.max_queue:
            self.refused += 1
            raise BusyError(f"stt is busy: {len(self._waiting)} requests are waiting")
        wait = self.expected_wait()
        if wait > self.max_wait:
            self.refused += 1
            raise BusyError(f"stt is busy: the wait would be about {wait:.0f} s; try again later")
        entry = _Waiting(request, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="stt batches")
        try:
            return await entry.future
        finally:
            if not entry.future.done():
                entry.future.cancel()
                with contextlib.suppress(ValueError):
                    self._waiting.remove(entry)

    async def _drain(self) -> None:
        while self._waiting:
            batch: list[_Waiting] = []
            while self._waiting and len(batch) < max(1, self._transcriber.max_batch):
                entry = self._waiting.popleft()
                if not entry.future.done():
                    batch.append(entry)
            if batch:
                await self._run(batch)

    async def _run(self, batch: list[_Waiting]) -> None:
        futures = [entry.future for entry in batch]
        token = _BatchToken(futures)
        longest = max(entry.request.seconds for entry in batch)
        # The work grows with all the audio of the batch, not only with the longest request.
        total = sum(entry.request.seconds for entry in batch)
        timeout = TIMEOUT_BASE_SECONDS + TIMEOUT_PER_AUDIO_SECOND * total
        self._batch_started = started = time.monotonic()
        try:
            results = await self._worker.run_cancellable(
                self._call, [entry.request for entry in batch], token, timeout=timeout
            )
        except asyncio.CancelledError:
            token.cancel()
            for future in futures:
                future.cancel()
            raise
        except Exception as err:  # handed to every client of the batch
            for future in futures:
                if not future.done():
                    future.set_exception(err)
            return
        finally:
            self._batch_started = None
        seconds = time.monotonic() - started
        self._recent.append(seconds)
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        _LOGGER.debug(
            "stt: batch of %d (%.1f s of audio at most) in %.3f s, %d waiting",
            len(batch),
            longest,
            seconds,
            len(self._waiting),
        )
        for future, segments in zip(futures, results, strict=True):
            if not future.done():
                future.set_result(segments)

    def _call(
        self,
        requests: list[TranscriptionRequest],
        token: _BatchToken,
        worker_token: CancelToken,
    ) -> list[list[TranscriptSegment]]:
        token.worker_token = worker_token
        return self._transcriber.transcribe_batch(requests, token)

    async def close(self) -> None:
        """Cancel what is waiting (at shutdown)."""
        for entry in self._waiting:
            entry.future.cancel()
        self._waiting.clear()
        if self._drainer is not None:
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drainer
