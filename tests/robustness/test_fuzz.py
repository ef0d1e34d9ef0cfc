"""Malformed frames against every real service: no crash, nothing at ERROR, every connection
answered with `error` (or served), and describe still fast afterwards.

CI sends ROBUSTNESS_FRAMES (default 2,500) frames per service; the issue's figure is 10,000:
`ROBUSTNESS_FRAMES=10000 pytest tests/robustness/test_fuzz.py` (ROBUSTNESS_SEED picks other
frames).
"""

from __future__ import annotations

import os

from .frames import malformed_frames
from .fuzz import fuzz
from .processes import ServiceProcess, assert_healthy

FRAMES = int(os.environ.get("ROBUSTNESS_FRAMES", "2500"))
SEED = int(os.environ.get("ROBUSTNESS_SEED", "14"))


async def test_malformed_frames(service: ServiceProcess) -> None:
    offset = service.log_size()
    report = await fuzz(service.uri, malformed_frames(FRAMES, seed=SEED))
    print(f"\n{service.kind}: {report.summary()}")
    assert service.alive, f"{service.kind} crashed:\n{service.log()[-3000:]}"
    assert report.frames == FRAMES
    assert not report.silent_drops, f"closed without error: {report.silent_drops[:20]}"
    assert not report.hangs, f"no answer: {report.hangs[:20]}"
    assert not report.refused, report.refused[:5]
    problems = "\n".join(service.problems_since(offset)[:40])
    assert "internal-error" not in report.errors, f"{report.summary()}\n{problems}"
    median = await assert_healthy(service, offset)
    print(f"{service.kind}: describe median afterwards {median * 1000:.1f} ms")
