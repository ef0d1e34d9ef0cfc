"""The real services as child processes on loopback, watched from outside: alive, resident
memory, describe latency, and what they logged at ERROR."""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.services import REPO
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.memory import rss_bytes
from wyoming_voice.bench.children import free_port

START_TIMEOUT = 60.0
KINDS = ("stt", "tts", "llm", "satellite")


def _silence_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(bytes(32000))
    return path


def service_argv(kind: str, uri: str, workdir: Path) -> list[str]:
    """How each service runs here: the embedded engines, no Home Assistant, no audio devices."""
    if kind == "stt":
        return ["wyoming_stt", "--engine", "pocketsphinx", "--language", "en", "--uri", uri]
    if kind == "tts":
        return ["wyoming_tts", "--engine", "espeak-ng", "--uri", uri]
    if kind == "llm":  # the fast local intent path, no model
        return ["wyoming_llm", "--uri", uri, "--data-dir", str(workdir / "agent")]
    if kind == "satellite":
        mic = _silence_wav(workdir / "silence.wav")
        return ["satellite", "--uri", uri, "--mic-wav", str(mic), "--snd-command", ""]
    raise ValueError(kind)


@dataclass
class ServiceProcess:
    """One service in a child process, its log in a file."""

    kind: str
    workdir: Path
    file_limit: int | None = None
    """Soft and hard RLIMIT_NOFILE of the child (None: inherited)."""
    uri: str = ""
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)

    def start(self) -> ServiceProcess:
        self.uri = f"tcp://127.0.0.1:{free_port()}"
        self.log_path = self.workdir / f"{self.kind}.log"
        argv = [sys.executable, "-m", *service_argv(self.kind, self.uri, self.workdir)]
        if self.file_limit is not None:  # soft and hard limit, like LimitNOFILE=
            argv = ["sh", "-c", f'ulimit -n {self.file_limit} && exec "$0" "$@"', *argv]
        with self.log_path.open("wb") as out:
            self.process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start:\n{self.log()}")
            try:
                asyncio.run(asyncio.wait_for(describe(self.uri, 1.0), 2.0))
                return self
            except (ServiceUnavailableError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer describe within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss(self) -> int:
        value = rss_bytes(self.pid)
        assert value is not None, f"{self.kind} is gone"
        return value

    def descriptors(self) -> int:
        """Descriptors the service holds (each connection is one)."""
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    async def wait_for_descriptors(self, at_most: int, timeout: float = 60.0) -> None:
        """Until the service holds no more than at_most descriptors (its connections ended)."""
        deadline = time.monotonic() + timeout
        while self.descriptors() > at_most:
            assert time.monotonic() < deadline, f"{self.kind} holds {self.descriptors()} files"
            await asyncio.sleep(0.1)

    def accept_queue(self) -> int:
        """Connections the kernel has completed that the service has not accepted yet."""
        port = int(self.uri.rsplit(":", 1)[1])
        for line in Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return int(fields[4].split(":")[1], 16)  # rx_queue of a LISTEN socket
        return 0

    async def wait_until_accepted(self, timeout: float = 60.0) -> None:
        """Until the kernel's accept queue of the service is empty."""
        deadline = time.monotonic() + timeout
        while self.accept_queue():
            assert time.monotonic() < deadline, f"{self.kind}: {self.accept_queue()} queued"
            await asyncio.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def problems_since(self, offset: int) -> list[str]:
        """Log records at ERROR/CRITICAL written after offset, each with its traceback."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", errors="replace")
        problems: list[str] = []
        inside = False
        for line in text.splitlines():
            record = line[:4].isdigit()  # records start with the date; tracebacks do not
            if record:
                inside = " ERROR " in line or " CRITICAL " in line
                if inside:
                    problems.append(line)
            elif inside or line.startswith("Traceback"):
                inside = True
                if problems:
                    problems[-1] += "\n" + line
                else:
                    problems.append(line)
        return problems


async def describe_seconds(uri: str, count: int = 5) -> list[float]:
    """Round-trip times of count describes on fresh connections."""
    times: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        await describe(uri, 5.0)
        times.append(time.perf_counter() - started)
    return times


async def assert_healthy(service: ServiceProcess, log_offset: int, *, budget: float = 0.1) -> float:
    """Alive, nothing at ERROR since log_offset, describe median under budget (returned)."""
    assert service.alive, f"{service.kind} died:\n{service.log()[-3000:]}"
    times = await describe_seconds(service.uri)
    median = statistics.median(times)
    assert median < budget, f"{service.kind} describe took {median * 1000:.0f} ms (median)"
    problems = service.problems_since(log_offset)
    assert not problems, f"{service.kind} logged at ERROR:\n" + "\n".join(problems[:20])
    return median


def raise_own_open_files(needed: int) -> int:
    """Lift this test process's soft open-file limit to needed (or as far as allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
