"""`wyoming-voice ask "turn on the kitchen light"`: one turn, printed as it streams.

Sends a transcript to a running agent (--uri), or builds the agent in-process when
--hass-url, --model or --openai-url is given (no server needed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from voice_pipeline.agent_client import converse
from voice_pipeline.errors import ServiceError
from wyoming_common.config import EnvArgumentParser, parse_or_exit, wyoming_uri
from wyoming_common.errors import WyomingVoiceError
from wyoming_common.options import add_flags, read_settings
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines import build_engine
from wyoming_llm.runtime import AgentRuntime, build_home
from wyoming_llm.settings import ENV_PREFIX, AgentConfig, AgentFlags, agent_config
from wyoming_llm.turn import TurnRequest

DEFAULT_URI = "tcp://127.0.0.1:10500"
EXIT_HANDLED, EXIT_NOT_HANDLED, EXIT_UNAVAILABLE = 0, 1, 2


def build_parser(prog: str) -> EnvArgumentParser:
    """`ask` flags: the text, where to send it, and (direct mode) the agent's own flags."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix=ENV_PREFIX,
        description="Send one sentence to the conversation agent and print its answer. With "
        "--hass-url, --model or --openai-url the agent runs inside this command instead.",
    )
    parser.add_argument("text", help="what you would say, e.g. 'turn on the kitchen light'")
    parser.add_argument(
        "--uri", type=wyoming_uri, default=None, env=False, help=f"agent to ask ({DEFAULT_URI})"
    )
    parser.add_argument("--conversation-id", env=False, help="continue this conversation")
    parser.add_argument("--satellite-id", env=False, help="speaking satellite (for 'in here')")
    parser.add_argument("--device-id", env=False, help="speaking device (for 'in here')")
    parser.add_argument("--timeout", type=float, default=120.0, env=False, help="seconds to wait")
    parser.add_argument("--debug", action="store_true", env=False, help="log at DEBUG level")
    add_flags(parser, AgentFlags)
    return parser


def _request(args: argparse.Namespace) -> TurnRequest:
    return TurnRequest(
        text=args.text,
        conversation_id=args.conversation_id,
        language=args.language[0],
        device_id=args.device_id,
        satellite_id=args.satellite_id,
    )


async def ask_remote(uri: str, request: TurnRequest, out: TextIO, timeout: float) -> int:
    """Send the transcript to a running agent (checked to be one) and print the answer."""
    context = {
        key: value
        for key, value in (("device_id", request.device_id), ("satellite_id", request.satellite_id))
        if value
    }
    streamed = False
    try:
        async for piece in converse(
            uri,
            request.text,
            language=request.language,
            context=context,
            conversation_id=request.conversation_id,
            timeout=timeout,
            check=True,
        ):
            if not piece.final:
                out.write(piece.text)
                out.flush()
                streamed = True
            elif piece.handled:
                out.write(("" if streamed else piece.text) + "\n")
                return EXIT_HANDLED
            else:
                out.write(piece.text + "\n")
                return EXIT_NOT_HANDLED
    except ServiceError as err:  # an `error` event, the wrong kind of service, unreachable
        out.write(f"error: {err}\n")
    return EXIT_UNAVAILABLE


async def ask_direct(config: AgentConfig, request: TurnRequest, out: TextIO) -> int:
    """Build the agent here, answer one turn, and shut it down."""
    engine = build_engine(config.llama, config.openai, ModelWorker("llm"))
    runtime = AgentRuntime(config, engine=engine, home=build_home(config))
    try:
        await runtime.start()

        async def speak(chunk: str) -> None:
            out.write(chunk)
            out.flush()

        reply = await runtime.agent.converse(request, speak)
    finally:
        await runtime.stop()
    if not reply.handled:
        out.write(reply.text)
    out.write("\n")
    return EXIT_HANDLED if reply.handled else EXIT_NOT_HANDLED


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice ask") -> int:
    """Entry point: print the answer; exit 0 handled, 1 not handled, 2 unreachable."""
    parser = build_parser(prog)
    args, config = parse_or_exit(
        parser, argv, lambda a: (a, agent_config(read_settings(AgentFlags, a)))
    )
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    direct = args.uri is None and (config.hass or config.llama or config.openai)
    try:
        if direct:
            return asyncio.run(ask_direct(config, _request(args), sys.stdout))
        coro = ask_remote(args.uri or DEFAULT_URI, _request(args), sys.stdout, args.timeout)
        return asyncio.run(coro)
    except WyomingVoiceError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
