"""llama.cpp's thread count when --threads is not given: one per usable physical core."""

from __future__ import annotations

import os

from wyoming_llm.engines.threads import default_threads, physical_cores, usable_cpus


def test_sibling_hardware_threads_count_once() -> None:
    # 8 logical CPUs, two per core, on two packages: 4 cores.
    def topology(cpu: int) -> tuple[str, str]:
        return str(cpu // 4), str((cpu % 4) // 2)

    assert physical_cores(range(8), topology) == 4
    # Only the CPUs we may use count: CPUs 0 and 1 share a core.
    assert physical_cores([0, 1], topology) == 1
    assert physical_cores([0, 2, 4], topology) == 3


def test_unknown_topology_counts_each_cpu_and_never_zero() -> None:
    assert physical_cores([0, 1, 2], lambda cpu: None) == 3
    assert physical_cores([], lambda cpu: None) == 1


def test_default_is_within_what_this_process_may_use() -> None:
    usable = usable_cpus()
    assert usable and usable <= set(range(os.cpu_count() or 1))
    assert 1 <= default_threads() <= len(usable)
