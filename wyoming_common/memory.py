"""Giving memory back: big per-connection buffers must not stay in the process after the
connection is gone, and the resident size of a process, for checks and benchmarks."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

# glibc's mallopt parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# Buffers from this size on get their own mapping, which goes back to the system when freed.
# glibc raises this threshold on its own up to 32 MB after the first big free, and from then
# on payloads of a few MB land in the heap, where fragmentation keeps them resident.
MMAP_THRESHOLD = 256 * 1024


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
    """Fixes glibc's mmap threshold once and trims the heap after big connections ended.

    Not glibc (musl, macOS): does nothing.
    """

    def __init__(self) -> None:
        self._libc = _libc()
        self.pending_bytes = 0

    @property
    def available(self) -> bool:
        """True on glibc."""
        return self._libc is not None

    def configure(self) -> None:
        """Fixed thresholds: big buffers are mapped and unmapped, free heap tops are trimmed."""
        if self._libc is None:
            return
        self._libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        self._libc.mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)

    def released(self, size: int) -> None:
        """A connection that had received size bytes of payload ended."""
        self.pending_bytes += size

    def trim(self, min_bytes: int = 8 * 1024 * 1024) -> bool:
        """Hand free heap pages back once min_bytes of payload were released since last time."""
        if self._libc is None or self.pending_bytes < min_bytes:
            return False
        self.pending_bytes = 0
        self._libc.malloc_trim(0)
        return True


def rss_bytes(pid: int | None = None) -> int | None:
    """Resident set size of a process (this one by default); None when unknown."""
    path = Path(f"/proc/{pid or os.getpid()}/statm")
    try:
        fields = path.read_text(encoding="ascii").split()
    except OSError:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
