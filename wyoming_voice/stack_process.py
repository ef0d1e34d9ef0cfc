"""The child processes of `wyoming-voice up`: start them, relay their output, know when each
answers `describe`, notice when one dies, stop them (SIGTERM, then SIGKILL after a grace)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wyoming.info import Info

from wyoming_common.client import ServiceUnavailableError, describe

Out = Callable[[str], None]


class ChildExitedError(Exception):
    """A service process ended on its own."""

    def __init__(self, name: str, code: int | None) -> None:
        super().__init__(f"{name} exited with code {code}")
        self.name = name
        self.code = code


@dataclass(frozen=True)
class ChildSpec:
    """One service process: its name, command line and where it answers describe."""

    name: str
    argv: tuple[str, ...]
    uri: str


class ServiceStack:
    """Starts, watches and stops the service processes."""

    def __init__(self, children: Sequence[ChildSpec], *, grace: float, out: Out = print) -> None:
        self.children = list(children)
        self.grace = grace
        self.out = out
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.infos: dict[str, Info] = {}
        self._pipes: list[asyncio.Task[None]] = []
        self._libc = ctypes.CDLL(None) if sys.platform == "linux" else None

    def _die_with_parent(self) -> None:
        # Runs in the child before exec: PR_SET_PDEATHSIG, so a child gets SIGTERM even
        # when `up` itself is killed with SIGKILL.
        if self._libc is not None:
            self._libc.prctl(1, signal.SIGTERM, 0, 0, 0)

    async def start(self) -> None:
        """Start every child with its output prefixed by its name."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for child in self.children:
            process = await asyncio.create_subprocess_exec(
                *child.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches `up` only; it stops the children
                preexec_fn=self._die_with_parent,
            )
            self.processes[child.name] = process
            self._pipes.append(asyncio.create_task(self._relay(child.name, process)))

    async def _relay(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        width = max(len(c.name) for c in self.children)
        while line := await process.stdout.readline():
            self.out(f"{name:>{width}} | {line.decode(errors='replace').rstrip()}")

    async def wait_ready(self, timeout: float) -> None:
        """Wait until every child answers describe; raises ChildExitedError or TimeoutError."""
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(self._wait_one(child) for child in self.children))

    async def _wait_one(self, child: ChildSpec) -> None:
        process = self.processes[child.name]
        while True:
            if process.returncode is not None:
                raise ChildExitedError(child.name, process.returncode)
            try:
                info = await describe(child.uri, timeout=2.0)
            except ServiceUnavailableError:
                await asyncio.sleep(0.3)
                continue
            if process.returncode is not None:  # someone else answered; ours is gone
                raise ChildExitedError(child.name, process.returncode)
            self.infos[child.name] = info
            return

    async def wait_exit(self) -> ChildExitedError:
        """Wait until any child ends; returns which one."""
        waits = {
            asyncio.ensure_future(process.wait()): name for name, process in self.processes.items()
        }
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for future in pending:
            future.cancel()
        first = next(iter(done))
        return ChildExitedError(waits[first], first.result())

    async def stop(self) -> dict[str, int | None]:
        """SIGTERM every running child, SIGKILL those still running after the grace period."""
        running = [p for p in self.processes.values() if p.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        if running:
            _done, pending = await asyncio.wait(
                [asyncio.ensure_future(p.wait()) for p in running], timeout=self.grace
            )
            for name, process in self.processes.items():
                if process.returncode is None:
                    self.out(f"{name} did not stop within {self.grace:g} s: killing it")
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()
            for future in pending:
                future.cancel()
        for pipe in self._pipes:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                async with asyncio.timeout(2.0):
                    await pipe
        return {name: process.returncode for name, process in self.processes.items()}


def clean_exit(code: int | None) -> bool:
    """A child that stopped as asked (0, or ended by our SIGTERM)."""
    return code in (0, -signal.SIGTERM)
