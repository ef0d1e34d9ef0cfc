"""Helpers for the agent's tests: configs from real flags, a runtime on the fake HA."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, HandledChunk, NotHandled

from tests.support.services import running_service
from wyoming_common.client import WyomingConnection
from wyoming_common.config import EnvArgumentParser
from wyoming_common.options import add_flags, read_settings
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker
from wyoming_llm.agent import AgentReply
from wyoming_llm.engines.base import ChatEngine
from wyoming_llm.handler import AgentEventHandler
from wyoming_llm.runtime import AgentRuntime, build_home
from wyoming_llm.settings import ENV_PREFIX, AgentConfig, AgentFlags, agent_config
from wyoming_llm.turn import TurnRequest

TOKEN = "llm-test-token-7f3a9"
FIXED_NOW = datetime(2025, 11, 21, 15, 5)


def config_for(tmp_path: Path, *argv: str, hass_url: str | None = None) -> AgentConfig:
    """An AgentConfig parsed from real flags (environment ignored)."""
    parser = EnvArgumentParser(prog="test", env_prefix=ENV_PREFIX, environ={})
    add_flags(parser, AgentFlags)
    args = ["--data-dir", str(tmp_path / "data"), *argv]
    if hass_url is not None:
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n", encoding="utf-8")
        args += ["--hass-url", hass_url, "--hass-token-file", str(token_file)]
    return agent_config(read_settings(AgentFlags, parser.parse_args(args)))


@asynccontextmanager
async def running_runtime(
    config: AgentConfig,
    *,
    engine: ChatEngine | None = None,
    verify_timeout: float = 1.0,
    hass_wait: float = 5.0,
    start_timeout: float = 30.0,
    **kwargs: Any,
) -> AsyncIterator[AgentRuntime]:
    """A started AgentRuntime (connected when the config has Home Assistant)."""
    runtime = AgentRuntime(
        config,
        engine=engine,
        home=build_home(config),
        clock=lambda: FIXED_NOW,
        verify_timeout=verify_timeout,
        **kwargs,
    )
    async with asyncio.timeout(start_timeout):
        await runtime.start(hass_wait=hass_wait)
    try:
        yield runtime
    finally:
        async with asyncio.timeout(10):
            await runtime.stop()


async def ask(
    runtime: AgentRuntime, text: str, timeout: float = 20.0, **request: Any
) -> tuple[AgentReply, list[str]]:
    """One turn straight to the agent; returns the reply and the spoken chunks."""
    chunks: list[str] = []

    async def speak(chunk: str) -> None:
        chunks.append(chunk)

    async with asyncio.timeout(timeout):
        reply = await runtime.agent.converse(TurnRequest(text=text, **request), speak)
    return reply, chunks


def llm_worker() -> ModelWorker:
    """A worker for an engine under test."""
    return ModelWorker("llm-test")


TERMINAL = ("handled", "not-handled", "error")


@asynccontextmanager
async def agent_server(runtime: AgentRuntime, **settings: Any) -> AsyncIterator[ServiceRunner]:
    """The agent served on a loopback port (settings: ServiceSettings fields)."""
    factory = functools.partial(AgentEventHandler, agent=runtime.agent, info=runtime.info)
    async with running_service(factory, service="llm", **settings) as runner:
        yield runner


async def turn(uri: str, transcript: Transcript, timeout: float = 20) -> list[Event]:
    """One HA-style turn: new connection, transcript, read until the terminal event."""
    async with WyomingConnection(uri, read_timeout=timeout) as connection:
        await connection.write(transcript.event())
        return await connection.read_until(lambda e: e.type in TERMINAL)


@dataclass(frozen=True)
class Said:
    """The terminal answer of one turn over the protocol."""

    handled: bool
    text: str
    streamed: str  # what the handled-chunks carried


async def say(
    uri: str, text: str, *, language: str = "en", timeout: float = 20, **context: str
) -> Said:
    """Send text as HA 2026.11 does (context with conversation/device/satellite ids)."""
    events = await turn(uri, Transcript(text=text, language=language, context=context), timeout)
    last = events[-1]
    chunks = "".join(
        HandledChunk.from_event(e).text for e in events if HandledChunk.is_type(e.type)
    )
    if Handled.is_type(last.type):
        return Said(True, Handled.from_event(last).text or "", chunks)
    if NotHandled.is_type(last.type):
        return Said(False, NotHandled.from_event(last).text or "", chunks)
    raise AssertionError(f"{text!r} ended with {last.type}: {last.data}")
