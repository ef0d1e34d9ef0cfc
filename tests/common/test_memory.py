"""The process's malloc settings: engine buffers are reused, payloads still go back.

Run in a child process: mallopt settings are for the whole process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from wyoming_common.memory import MemoryReturner

_CHILD = textwrap.dedent(
    """
    import json, resource
    from wyoming_common.memory import MemoryReturner, rss_bytes

    memory = MemoryReturner()
    memory.configure()

    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def written(size):  # a buffer with every page touched
        buffer = bytearray(size)
        buffer[::4096] = b"x" * len(range(0, size, 4096))
        return buffer

    # An engine's working buffer (CTranslate2's feed-forward output for Whisper base on a
    # 30 s window is 12 MB), allocated, written and freed once per layer and request, while
    # smaller buffers allocated after it live on. The first round may fault it in.
    buffer = written(12 * 1024 * 1024)
    later = [bytearray(64 * 1024)]
    del buffer
    before = faults()
    for _ in range(20):
        buffer = written(12 * 1024 * 1024)
        later.append(bytearray(64 * 1024))
        del buffer
    reused = faults() - before

    # A burst of 4 MB payloads (100 connections' worth), then nothing: trim gives them back.
    baseline = rss_bytes()
    payloads = [written(4 * 1024 * 1024) for _ in range(100)]
    held = rss_bytes()
    del payloads
    memory.trim()
    print(json.dumps({"faults": reused, "baseline": baseline, "held": held, "after": rss_bytes()}))
    """
)


@pytest.mark.skipif(not MemoryReturner().available, reason="glibc malloc only")
def test_engine_buffers_are_reused_and_payloads_go_back() -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60, check=True
    )
    measured = json.loads(child.stdout)
    page_faults_of_one_buffer = 12 * 1024 * 1024 // 4096
    # With a 1 MB mmap threshold every buffer was a new mapping: 20 x 3072 page faults.
    assert measured["faults"] < page_faults_of_one_buffer, measured
    mb = 1024 * 1024
    assert measured["held"] - measured["baseline"] > 300 * mb, measured
    assert measured["after"] - measured["baseline"] < 20 * mb, measured
