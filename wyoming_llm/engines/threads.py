"""How many threads llama.cpp gets when --threads is not given: the physical cores we may use.

llama-cpp-python's own default is half of os.cpu_count() (it assumes two hardware threads per
core), so on a 2-core box without SMT it generated with one thread: Qwen 1.5B at 13 tokens/s
instead of 22. Sibling hardware threads of one core add little to llama.cpp and slow it when
they contend, so each core counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from wyoming_common.cpus import usable_cpus

_CPU_DIR = Path("/sys/devices/system/cpu")


def _read_topology(cpu: int) -> tuple[str, str] | None:
    base = _CPU_DIR / f"cpu{cpu}" / "topology"
    try:
        package = (base / "physical_package_id").read_text().strip()
        core = (base / "core_id").read_text().strip()
    except OSError:
        return None
    return package, core


def physical_cores(
    cpus: Iterable[int],
    topology: Callable[[int], tuple[str, str] | None] = _read_topology,
) -> int:
    """Distinct (package, core) pairs among cpus; a CPU of unknown topology counts as a core."""
    cores: set[tuple[str, str] | int] = set()
    for cpu in cpus:
        cores.add(topology(cpu) or cpu)
    return max(len(cores), 1)


def default_threads() -> int:
    """Threads for generation and prompt evaluation: one per usable physical core."""
    return physical_cores(usable_cpus())
