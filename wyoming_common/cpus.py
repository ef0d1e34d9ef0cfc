"""The CPUs this process may run on: what sizes thread pools and second processes."""

from __future__ import annotations

import os


def usable_cpus() -> set[int]:
    """The CPUs this process may run on (all of them where affinity is unknown)."""
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))
