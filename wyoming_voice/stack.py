"""`wyoming-voice up`: run STT, TTS and the agent (and a satellite) as one process tree.

Each service is a child process (`python -m wyoming_stt ...`) configured from one set of flags
(or `--config stack.toml`). `up` first checks that every port is free (a service binds only
after loading its engine, which can take minutes), then waits until every child answers
`describe`, prints where they are and how to add them to Home Assistant, and stops them all on
Ctrl-C/SIGTERM. If a child dies, it says which and stops the rest (exit code 1); a taken port
starts nothing (exit code 2, naming the flag that moves it).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import sys
from collections.abc import Sequence

from wyoming_common.discovery import is_unspecified

from .port_check import check_port, who_command
from .stack_process import ChildExitedError, ChildSpec, Out, ServiceStack, clean_exit
from .stack_report import print_ready
from .stack_settings import MODULES, UpSettings, load_settings

__all__ = ["ChildSpec", "build_children", "check_ports", "main", "run_stack"]


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _engine_flags(settings: UpSettings, name: str) -> list[str]:
    def flag(option: str, value: str | None) -> list[str]:
        return [option, value] if value else []

    hass = flag("--hass-url", settings.hass_url) + flag(
        "--hass-token-file", settings.hass_token_file
    )
    if name == "stt":
        # Home Assistant's names feed pocketsphinx's grammar; Whisper (a model given) takes none.
        whisper = settings.stt_engine == "faster-whisper" or (
            settings.stt_engine == "auto" and settings.stt_model
        )
        engine = ["--engine", settings.stt_engine, *flag("--model", settings.stt_model)]
        return engine + ([] if whisper else hass)
    if name == "tts":
        return ["--engine", settings.tts_engine, *flag("--voice", settings.tts_voice)]
    if name == "llm":
        return [*flag("--model", settings.llm_model), *hass]
    return []


def build_children(settings: UpSettings, python: str = sys.executable) -> list[ChildSpec]:
    """The command line of each service (pure, so it tests without starting anything)."""
    connect = _bracket("127.0.0.1" if is_unspecified(settings.host) else settings.host)
    ports = settings.ports
    children: list[ChildSpec] = []
    for name in settings.chosen:
        listen = f"tcp://{_bracket(settings.host)}:{ports[name]}"
        argv = [python, "-m", MODULES[name], "--uri", listen]
        if name != "satellite":
            argv += ["--data-dir", str(settings.data_path / name)]
        argv += ["--zeroconf"] if settings.zeroconf else []
        argv += ["--debug"] if settings.debug else []
        if name == "satellite":  # it also answers on its own through our services
            uri_flags = {"stt": "--stt-uri", "llm": "--agent-uri", "tts": "--tts-uri"}
            for other, uri_flag in uri_flags.items():
                if other in settings.chosen:
                    argv += [uri_flag, f"tcp://{connect}:{ports[other]}"]
        argv += _engine_flags(settings, name)
        argv += shlex.split(getattr(settings, f"{name}_args"))
        children.append(ChildSpec(name, tuple(argv), f"tcp://{connect}:{ports[name]}"))
    return children


async def check_ports(settings: UpSettings) -> list[str]:
    """One line per service whose port cannot be used now, naming the port and its flag."""
    problems = []
    for name in settings.chosen:
        port = settings.ports[name]
        state = await check_port(settings.host, port)
        if state.usable:
            continue
        flag = settings.flag_of_port(name)
        if state.state == "error":
            why = f"cannot listen on {settings.host}:{port}: {state.detail} (check --host)"
        else:
            why = (
                f"port {port} for {name} is already in use by {state.detail}: stop it "
                f"(`{who_command(port)}` shows which) or choose another port with {flag}"
            )
        problems.append(f"error: {why}")
    return problems


async def run_stack(
    settings: UpSettings,
    *,
    out: Out = print,
    stop: asyncio.Event | None = None,
    children: Sequence[ChildSpec] | None = None,
) -> int:
    """Check the ports, start the stack, wait for Ctrl-C/SIGTERM (or `stop`) or a child's
    death, stop it all."""
    problems = await check_ports(settings)
    if problems:  # a port chosen by a flag (or --host) that cannot be used: a usage error
        for line in problems:
            out(line)
        out("nothing was started")
        return 2
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    stack = ServiceStack(children or build_children(settings), grace=settings.grace, out=out)
    _say_engines(settings, out)
    code = 0
    try:
        await stack.start()
        code = await _supervise(stack, settings, stop, out)
    finally:
        out("stopping " + ", ".join(stack.processes) if stack.processes else "stopping")
        codes = await stack.stop()
        unclean = {name: c for name, c in codes.items() if not clean_exit(c)}
        if unclean and code == 0:
            out("not stopped cleanly: " + ", ".join(f"{n} ({c})" for n, c in unclean.items()))
            code = 1
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    return code


def _say_engines(settings: UpSettings, out: Out) -> None:
    if "stt" in settings.chosen and settings.stt_engine == "auto":
        out("stt: --stt-engine auto picks faster-whisper when it and a model (--stt-model) are "
            "available (on the GPU when CUDA is), else the embedded pocketsphinx")  # fmt: skip
    if "tts" in settings.chosen and settings.tts_engine == "auto":
        out("tts: --tts-engine auto picks Piper when a voice is available, else espeak-ng")


async def _supervise(
    stack: ServiceStack, settings: UpSettings, stop: asyncio.Event, out: Out
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
            out(f"error: {', '.join(late)} did not answer describe within "
                f"{settings.ready_timeout:g} s; stopping")  # fmt: skip
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


def main(argv: Sequence[str], prog: str = "wyoming-voice up") -> int:
    """Run the stack until Ctrl-C/SIGTERM; 0 on a clean stop, 1 when a service failed, 2 for
    a usage error (a bad flag, a port that is taken: the flag that moves it is named)."""
    settings = load_settings(argv, prog)
    return asyncio.run(run_stack(settings, out=lambda line: print(line, flush=True)))
