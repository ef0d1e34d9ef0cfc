"""`wyoming-voice up`: run STT, TTS and the agent (and a satellite) as one process tree.

Each service is a child process (`python -m wyoming_stt ...`) configured from one set of flags.
`up` waits until every child answers `describe`, prints where they are and how to add them to
Home Assistant, and stops them all on Ctrl-C/SIGTERM (SIGTERM, then SIGKILL after a grace
period). If a child dies, it says which and stops the rest (exit code 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from wyoming.info import Info

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import EnvArgumentParser, positive_float
from wyoming_common.discovery import is_unspecified, routable_address

from .probes import summarize_info

MODULES = {
    "stt": "wyoming_stt",
    "tts": "wyoming_tts",
    "llm": "wyoming_llm",
    "satellite": "satellite",
}
PORTS = {"stt": 10300, "tts": 10200, "llm": 10500, "satellite": 10700}
ROLES = {"stt": "speech-to-text", "tts": "text-to-speech", "llm": "agent", "satellite": "satellite"}
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


@dataclass(frozen=True)
class StackSettings:
    """The whole stack's configuration; `flags` are each service's own flags (extras last)."""

    services: tuple[str, ...]
    host: str
    ports: dict[str, int]
    zeroconf: bool
    data_dir: Path
    flags: dict[str, tuple[str, ...]]
    ready_timeout: float
    grace: float
    debug: bool


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def build_children(settings: StackSettings, python: str = sys.executable) -> list[ChildSpec]:
    """The command line of each service (pure, so it tests without starting anything)."""
    connect = _bracket("127.0.0.1" if is_unspecified(settings.host) else settings.host)
    children: list[ChildSpec] = []
    for name in settings.services:
        port = settings.ports[name]
        argv = [python, "-m", MODULES[name], "--uri", f"tcp://{_bracket(settings.host)}:{port}"]
        argv += ["--data-dir", str(settings.data_dir / name)] if name != "satellite" else []
        argv += ["--zeroconf"] if settings.zeroconf else []
        argv += ["--debug"] if settings.debug else []
        if name == "satellite":  # it also answers on its own through our services
            uri_flags = {"stt": "--stt-uri", "llm": "--agent-uri", "tts": "--tts-uri"}
            for other, flag in uri_flags.items():
                if other in settings.services:
                    argv += [flag, f"tcp://{connect}:{settings.ports[other]}"]
        argv += settings.flags.get(name, ())
        children.append(ChildSpec(name, tuple(argv), f"tcp://{connect}:{port}"))
    return children


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
                self.infos[child.name] = await describe(child.uri, timeout=2.0)
                return
            except ServiceUnavailableError:
                await asyncio.sleep(0.3)

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
                await asyncio.wait_for(pipe, 2.0)
        return {name: process.returncode for name, process in self.processes.items()}


def _clean(code: int | None) -> bool:
    return code in (0, -signal.SIGTERM)


def print_ready(stack: ServiceStack, settings: StackSettings, out: Out) -> None:
    """Where the services are, which engines they picked, and how to add them to HA."""
    shown = routable_address() if is_unspecified(settings.host) else settings.host
    uris = {c.name: c.uri for c in stack.children}
    if is_unspecified(settings.host):  # listening everywhere: show the address HA can reach
        uris = {n: f"tcp://{shown}:{urlparse(uri).port}" for n, uri in uris.items()}
    out("")
    out("wyoming-voice is up:")
    for child in stack.children:
        summary = "; ".join(summarize_info(stack.infos[child.name])) or "(no programs)"
        out(f"  {ROLES[child.name]:>14}  {uris[child.name]}  {summary}")
    out("")
    out("Add them to Home Assistant: Settings → Devices & services → Add integration →")
    out(
        f"'Wyoming Protocol', host {shown}, one entry per port"
        + (" (or confirm the discovered ones: zeroconf is on)." if settings.zeroconf else ".")
    )
    flags = {"stt": "--stt", "tts": "--tts", "llm": "--agent", "satellite": "--satellite"}
    command = " ".join(f"{flags[name]} {uri}" for name, uri in uris.items())
    out(f"Or in one go: wyoming-voice ha-setup --hass-url URL --hass-token-file FILE {command}")
    out("Ctrl-C stops them all.")


async def run_stack(
    settings: StackSettings,
    *,
    out: Out = print,
    stop: asyncio.Event | None = None,
    children: Sequence[ChildSpec] | None = None,
) -> int:
    """Start the stack, wait for Ctrl-C/SIGTERM (or `stop`) or a child's death, stop it all."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    stack = ServiceStack(children or build_children(settings), grace=settings.grace, out=out)
    if "stt" in settings.services:
        out("stt: --engine auto picks faster-whisper when it and a model are available (on the "
            "GPU when CUDA is), else the embedded pocketsphinx")  # fmt: skip
    if "tts" in settings.services:
        out("tts: --engine auto picks Piper when a voice is available, else espeak-ng")
    code = 0
    try:
        await stack.start()
        code = await _supervise(stack, settings, stop, out)
    finally:
        out("stopping " + ", ".join(stack.processes) if stack.processes else "stopping")
        codes = await stack.stop()
        unclean = {name: c for name, c in codes.items() if not _clean(c)}
        if unclean and code == 0:
            out("not stopped cleanly: " + ", ".join(f"{n} ({c})" for n, c in unclean.items()))
            code = 1
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    return code


async def _supervise(
    stack: ServiceStack, settings: StackSettings, stop: asyncio.Event, out: Out
) -> int:
    stopping = asyncio.ensure_future(stop.wait())
    ready = asyncio.ensure_future(stack.wait_ready(settings.ready_timeout))
    try:
        await asyncio.wait({ready, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            return 0  # asked to stop while starting
        try:
            ready.result()
        except ChildExitedError as err:
            out(f"error: {err} before it was ready; stopping the others")
            return 1
        except TimeoutError:
            late = [c.name for c in stack.children if c.name not in stack.infos]
            out(
                f"error: {', '.join(late)} did not answer describe within "
                f"{settings.ready_timeout:g} s; stopping"
            )
            return 1
        print_ready(stack, settings, out)
        exited = asyncio.ensure_future(stack.wait_exit())
        await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            out(f"error: {exited.result()}; stopping the others")
            return 1
        exited.cancel()
        return 0
    finally:
        for future in (ready, stopping):
            future.cancel()


def build_parser(prog: str) -> EnvArgumentParser:
    """The `up` flags."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix="WYOMING_UP",
        description="Run the voice stack on this machine in one command: speech-to-text, "
        "text-to-speech and the conversation agent (and a satellite) as child processes with "
        "one configuration. Waits until each answers, prints the URIs and how to add them to "
        "Home Assistant; Ctrl-C stops them all. For a permanent setup use the systemd units "
        "(`wyoming-voice install-systemd`).",
    )
    add = parser.add_argument
    add("--services", default="stt,tts,llm", help="comma-separated: " + ", ".join(MODULES))
    add("--host", default="0.0.0.0", help="address the services listen on")
    for name, port in PORTS.items():
        add(f"--{name}-port", type=int, default=port, help=f"{name} port")
    add("--zeroconf", action="store_true", default=True, help="advertise to Home Assistant")
    add("--no-zeroconf", dest="zeroconf", action="store_false", env=False, help="do not")
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    add("--data-dir", default=str(data / "wyoming-voice"), help="service S uses DATA_DIR/S")
    add("--hass-url", help="Home Assistant URL, for the agent (and STT's entity names)")
    add("--hass-token-file", help="long-lived access token file, for the agent and STT")
    add("--stt-engine", default="auto", help="auto, faster-whisper or pocketsphinx")
    add("--stt-model", help="Whisper model: size name (small, large-v3...), hub id or folder")
    add("--tts-engine", default="auto", help="auto, piper or espeak-ng")
    add("--tts-voice", help="Piper voice, e.g. en_US-lessac-medium")
    add("--llm-model", help="GGUF file or Hugging Face id owner/repo:file.gguf")
    for name in MODULES:
        add(f"--{name}-args", default="", help=f"more {name} flags, as one quoted string")
    add("--ready-timeout", type=positive_float, default=900.0,
        help="seconds to wait for the services (first runs download models)")  # fmt: skip
    add("--grace", type=positive_float, default=15.0, help="seconds from SIGTERM to SIGKILL")
    add("--debug", action="store_true", help="services log at DEBUG level")
    return parser


def _flag(name: str, value: str | None) -> list[str]:
    return [name, value] if value else []


def build_settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> StackSettings:
    """Validate the flags."""
    services = tuple(dict.fromkeys(s.strip() for s in args.services.split(",") if s.strip()))
    if not services or any(s not in MODULES for s in services):
        parser.error(f"--services: choose from {', '.join(MODULES)}, got {args.services!r}")
    ports = {name: int(getattr(args, f"{name}_port")) for name in MODULES}
    used = [ports[s] for s in services]
    if len(set(used)) != len(used) or any(not 0 < p < 65536 for p in used):
        parser.error(f"ports must be distinct and in 1..65535: {used}")
    flags = {
        "stt": ["--engine", args.stt_engine, *_flag("--model", args.stt_model),
                *_flag("--hass-url", args.hass_url),
                *_flag("--hass-token-file", args.hass_token_file)],
        "tts": ["--engine", args.tts_engine, *_flag("--voice", args.tts_voice)],
        "llm": [*_flag("--model", args.llm_model), *_flag("--hass-url", args.hass_url),
                *_flag("--hass-token-file", args.hass_token_file)],
        "satellite": [],
    }  # fmt: skip
    return StackSettings(
        services=services,
        host=args.host,
        ports=ports,
        zeroconf=bool(args.zeroconf),
        data_dir=Path(args.data_dir).expanduser().absolute(),
        flags={n: (*f, *shlex.split(getattr(args, f"{n}_args"))) for n, f in flags.items()},
        ready_timeout=args.ready_timeout,
        grace=args.grace,
        debug=bool(args.debug),
    )


def main(argv: Sequence[str], prog: str = "wyoming-voice up") -> int:
    """Run the stack until Ctrl-C/SIGTERM; 0 on a clean stop, 1 when a service failed."""
    parser = build_parser(prog)
    settings = build_settings(parser.parse_args(argv), parser)
    return asyncio.run(run_stack(settings, out=lambda line: print(line, flush=True)))
