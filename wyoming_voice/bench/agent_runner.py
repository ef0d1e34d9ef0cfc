"""Running a case file's home: the fake Home Assistant in this process, the real Wyoming
agent (`python -m wyoming_llm`) as a child process pointed at it, and one transcript turn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.handle import Handled, NotHandled

from tests.fake_hass import FakeHomeAssistant
from wyoming_common.client import ServiceUnavailableError, WyomingConnection

from .agent_cases import CaseFile
from .agent_home import BaselineEntity, baseline, build_house, satellite_entity
from .agent_judge import Reply
from .children import ChildStartError, free_port, start_child, stop_children, wait_for_service

_LOGGER = logging.getLogger(__name__)

# Flags the benchmark always gives the agent: a sentence per turn is no reason to rate-limit.
BENCH_AGENT_ARGS = ("--max-actions-per-minute", "100000")


@dataclass
class CaseHome:
    """A running fake Home Assistant holding a case file's home."""

    hass: FakeHomeAssistant
    case_file: CaseFile
    pristine: dict[str, BaselineEntity]


@contextlib.asynccontextmanager
async def case_home(case_file: CaseFile, token: str | None = None) -> AsyncIterator[CaseHome]:
    """Serve the case file's home on a free loopback port."""
    house = build_house(case_file.home)
    hass = FakeHomeAssistant(token or secrets.token_hex(16), house=house, location_name="Bench")
    pristine = baseline(house)
    await hass.start()
    try:
        yield CaseHome(hass, case_file, pristine)
    finally:
        await hass.stop()


class AgentProcess:
    """`python -m wyoming_llm` serving on loopback, connected to the fake Home Assistant."""

    def __init__(
        self,
        hass: FakeHomeAssistant,
        args: Sequence[str] = (),
        *,
        model: Path | None = None,
        start_timeout: float = 900.0,  # a 1.5B model warming its prompt on a busy 2-core CPU
    ) -> None:
        self.hass = hass
        self.args = [*BENCH_AGENT_ARGS, *args]
        self.model = model
        self.start_timeout = start_timeout
        self.port = free_port()
        self.uri = f"tcp://127.0.0.1:{self.port}"
        self._process: asyncio.subprocess.Process | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="bench-agent-")
        self.log_path = Path(self._workdir.name) / "agent.log"

    def command(self) -> list[str]:
        """The agent's command line (the token is in a file, never in argv)."""
        work = Path(self._workdir.name)
        token_file = work / "token"
        token_file.write_text(self.hass.token, encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "wyoming_llm",
            "--uri",
            self.uri,
            "--hass-url",
            self.hass.url,
            "--hass-token-file",
            str(token_file),
            "--data-dir",
            str(work / "data"),
        ]
        if self.model is not None:
            command += ["--model", str(self.model)]
        return command + self.args

    async def start(self) -> None:
        """Start the agent and wait until it answers `describe` (ChildStartError if not)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = await start_child(self.command(), self.log_path, env)
        await wait_for_service(
            self.uri, self._process, self.log_path, name="agent", timeout=self.start_timeout
        )

    def check_running(self) -> None:
        """Raise ChildStartError (with the log's end) when the agent has exited."""
        if self._process is not None and self._process.returncode is not None:
            raise ChildStartError(
                f"agent exited with {self._process.returncode} during the run: {self.tail()}"
            )

    def tail(self, lines: int = 15) -> str:
        """The end of the agent's log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self) -> None:
        """Stop the agent (SIGTERM, then SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is not None:
            await stop_children([process], grace=10.0)
        self._workdir.cleanup()

    async def __aenter__(self) -> AgentProcess:
        """Start the agent."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the agent."""
        await self.stop()


async def ask(
    uri: str,
    text: str,
    *,
    conversation_id: str,
    device_id: str | None = None,
    timeout: float = 120.0,
) -> Reply:
    """One turn over Wyoming, as Home Assistant sends it; never raises for agent failures."""
    context: dict[str, Any] = {"conversation_id": conversation_id}
    if device_id is not None:
        context["device_id"] = device_id
        context["satellite_id"] = satellite_entity(device_id)
    started = time.perf_counter()
    try:
        async with WyomingConnection(uri, read_timeout=timeout) as connection:
            await connection.write(Transcript(text=text, language="en", context=context).event())
            while True:
                event = await connection.read()
                seconds = time.perf_counter() - started
                if event is None:
                    return Reply(error="agent closed the connection", seconds=seconds)
                if Handled.is_type(event.type):
                    return Reply(Handled.from_event(event).text or "", True, seconds=seconds)
                if NotHandled.is_type(event.type):
                    return Reply(NotHandled.from_event(event).text or "", False, seconds=seconds)
                if Error.is_type(event.type):
                    error = Error.from_event(event)
                    return Reply(error=f"error event: {error.text}", seconds=seconds)
    except ServiceUnavailableError as err:
        return Reply(error=str(err), seconds=time.perf_counter() - started)
