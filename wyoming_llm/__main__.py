"""`wyoming-voice llm` / `python -m wyoming_llm`: run the conversation agent server."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence

from wyoming_common.config import (
    EnvArgumentParser,
    ServiceSettings,
    add_service_arguments,
    parse_or_exit,
    service_settings,
)
from wyoming_common.metrics import Metrics
from wyoming_common.runner import ServiceRunner, run_service, setup_logging
from wyoming_common.worker import ModelWorker

from .handler import AgentEventHandler
from .runtime import AgentRuntime, build_engine, build_home
from .settings import ENV_PREFIX, AgentConfig, add_agent_arguments, agent_config

DESCRIPTION = """\
A Wyoming conversation agent (handle program) for Home Assistant. Commands are understood with
Home Assistant's own sentence templates and executed directly; everything else goes to a local
language model (llama.cpp GGUF, or an OpenAI-compatible server) that can call tools. Actions
only touch entities exposed to Assist, are checked by a safety policy, and are audited."""


def build_parser(prog: str) -> EnvArgumentParser:
    """The server's flags."""
    parser = EnvArgumentParser(prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION)
    add_service_arguments(parser, default_port=10500, service="llm")
    add_agent_arguments(parser)
    return parser


def _settings(args: argparse.Namespace) -> tuple[ServiceSettings, AgentConfig]:
    return service_settings(args), agent_config(args)


async def _serve(service: ServiceSettings, config: AgentConfig) -> None:
    engine = build_engine(config, ModelWorker("llm"))
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
