"""`wyoming-voice llm` / `python -m wyoming_llm`: run the conversation agent server."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence

from wyoming_common.command import run_service, setup_logging
from wyoming_common.config import ServiceSettings, parse_or_exit
from wyoming_common.metrics import Metrics
from wyoming_common.options import read_settings, settings_parser
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .engines import build_engine
from .handler import AgentEventHandler
from .runtime import AgentRuntime, build_home
from .settings import DESCRIPTION, ENV_PREFIX, AgentConfig, LlmSettings, agent_config


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The server's flags."""
    return settings_parser(LlmSettings, prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION)


def _settings(args: argparse.Namespace) -> tuple[ServiceSettings, AgentConfig]:
    settings: LlmSettings = read_settings(LlmSettings, args)
    return settings.service, agent_config(settings.agent)


async def _serve(service: ServiceSettings, config: AgentConfig) -> None:
    engine = build_engine(config.llama, config.openai, ModelWorker("llm"))
    runtime = AgentRuntime(config, engine=engine, home=build_home(config))
    metrics = Metrics()
    factory = functools.partial(
        AgentEventHandler, agent=runtime.agent, info=runtime.info, metrics=metrics
    )
    runner = ServiceRunner(service, factory, service="llm", load=runtime.start, metrics=metrics)
    try:
        await runner.run_forever()
    finally:
        await runtime.stop()


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice llm") -> int:
    """Parse flags, then serve until SIGTERM/SIGINT."""
    parser = build_parser(prog)
    service, config = parse_or_exit(parser, argv, _settings)
    setup_logging(service.debug, service.log_format)
    return run_service(prog, _serve(service, config))


if __name__ == "__main__":
    sys.exit(main())
