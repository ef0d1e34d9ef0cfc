"""Giving memory back: big per-connection buffers must not stay in the process after the
connection is gone, and the resident size of a process, for checks and benchmarks."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

# glibc's mallopt parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Buffers from this size on get their own mapping, which goes back to the system when freed:
# glibc's own largest threshold (it raises its threshold up to this on its own after the first
# big free), fixed so that it does not move. Smaller buffers (payloads of a few MB among them)
# live in the heap, and `trim` gives their pages back once connections ended. A threshold of
# 1 MB made every working buffer of an engine (CTranslate2 allocates them per layer and frees
# them right after) a fresh mapping, faulted in page by page: Whisper base took 0.52 s instead
# of 0.40 s for a 3 s command, most of the difference in the kernel.
MMAP_THRESHOLD = 32 * 1024 * 1024
# A heap gives its free top back on every free above this. Kept small: `trim` releases free
# pages inside every heap but the tops of the worker threads' heaps only this way (measured in
# the Whisper server after crowds of 48: 295 MB resident with 2 MB, 385 MB with 64 MB, at the
# same latency).
TRIM_THRESHOLD = 2 * 1024 * 1024


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


class MemoryReturner:
    """Fixes glibc's mmap threshold once, and trims the heap a moment after connections ended
    (at most once per `interval` seconds, in a worker thread). Not glibc: does nothing."""

    def __init__(self, interval: float = 1.0) -> None:
        self._libc = _libc()
        self.interval = interval
        self.trims = 0
        self._scheduled: asyncio.TimerHandle | None = None
        self._running = False

    @property
    def available(self) -> bool:
        """True on glibc."""
        return self._libc is not None

    def configure(self) -> None:
        """Fixed thresholds: big buffers are mapped and unmapped, free heap tops are trimmed."""
        if self._libc is None:
            return
        self._libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        self._libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)

    def trim(self) -> bool:
        """Hand free heap pages back to the system now (blocking; milliseconds)."""
        if self._libc is None:
            return False
        self._libc.malloc_trim(0)
        self.trims += 1
        return True

    def connection_ended(self) -> None:
        """A connection's buffers were freed: trim soon, once for a whole burst."""
        if self._libc is None or self._scheduled is not None:
            return
        loop = asyncio.get_running_loop()
        self._scheduled = loop.call_later(self.interval, self._start_trim)

    def _start_trim(self) -> None:
        self._scheduled = None
        if self._running:
            return
        self._running = True
        done = asyncio.ensure_future(asyncio.to_thread(self.trim))
        done.add_done_callback(self._trimmed)

    def _trimmed(self, _done: asyncio.Future[bool]) -> None:
        self._running = False

    def cancel(self) -> None:
        """Forget a scheduled trim (the service stops)."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None


def rss_bytes(pid: int | None = None) -> int | None:
    """Resident set size of a process (this one by default); None when unknown."""
    path = Path(f"/proc/{pid or os.getpid()}/statm")
    try:
        fields = path.read_text(encoding="ascii").split()
    except OSError:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
