"""`wyoming-voice bench llm`: time to first chunk and to the whole answer, for fast-path
commands and model turns (cold and with the warm prompt prefix), with token rates.

Runs the agent in-process (with --hass-url for commands on a real home; without, only the
commands that need no home), or measures a running agent over the wire with --uri.
Prints a table and one JSON line; asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from wyoming.asr import Transcript
from wyoming.handle import Handled, HandledChunk, NotHandled

from wyoming_common.client import WyomingConnection
from wyoming_common.config import EnvArgumentParser, parse_or_exit, positive_int, wyoming_uri
from wyoming_common.errors import WyomingVoiceError
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines.llama import LlamaEngine
from wyoming_llm.memory import new_conversation_id
from wyoming_llm.runtime import AgentRuntime, build_engine, build_home
from wyoming_llm.settings import ENV_PREFIX, AgentConfig, add_agent_arguments, agent_config
from wyoming_llm.turn import TurnRequest

COMMANDS = ("what's the time", "what is today's date")
PROMPTS = ("Hello, who are you?", "Tell me something nice about cats.")


@dataclass
class Sample:
    """One measured turn."""

    kind: str  # fast-path, llm-cold, llm-warm, remote
    text: str
    first_chunk_s: float
    total_s: float
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    prompt_tps: float = 0.0
    eval_tps: float = 0.0


def build_parser(prog: str) -> EnvArgumentParser:
    """Bench flags plus the agent's own."""
    parser = EnvArgumentParser(prog=prog, env_prefix=ENV_PREFIX, description=__doc__)
    parser.add_argument("--uri", type=wyoming_uri, env=False, help="bench a running agent")
    parser.add_argument("--runs", type=positive_int, default=3, env=False, help="runs per text")
    parser.add_argument("--command", action="append", env=False, help="fast-path command (repeat)")
    parser.add_argument("--prompt", action="append", env=False, help="model prompt (repeat)")
    add_agent_arguments(parser)
    return parser


async def _timed_turn(runtime: AgentRuntime, text: str) -> tuple[float, float]:
    started = time.perf_counter()
    first: list[float] = []

    async def speak(_chunk: str) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    await runtime.agent.converse(TurnRequest(text, new_conversation_id()), speak)
    total = time.perf_counter() - started
    return (first[0] if first else total), total


async def bench_in_process(
    config: AgentConfig, commands: Sequence[str], prompts: Sequence[str], runs: int
) -> list[Sample]:
    """Measure fast-path commands and model turns inside this process."""
    engine = build_engine(config, ModelWorker("llm"))
    runtime = AgentRuntime(config, engine=engine, home=build_home(config))
    samples: list[Sample] = []
    await runtime.start()
    try:
        for text in commands:
            for _ in range(runs):
                first, total = await _timed_turn(runtime, text)
                samples.append(Sample("fast-path", text, first, total))
        if engine is None:
            return samples
        for text in prompts:
            for kind in ("llm-cold", "llm-warm"):
                for _ in range(runs):
                    if kind == "llm-cold" and isinstance(engine, LlamaEngine):
                        await engine.reset_cache()
                    else:
                        await runtime.agent.warm_up()
                    first, total = await _timed_turn(runtime, text)
                    if isinstance(engine, LlamaEngine):
                        await engine.wait_idle()  # the stopped generation's stats are final
                    stats = engine.last_stats
                    sample = Sample(kind, text, first, total)
                    if stats is not None:
                        sample.prompt_tokens = stats.prompt_tokens
                        sample.cached_tokens = stats.cached_tokens
                        sample.completion_tokens = stats.completion_tokens
                        sample.prompt_tps = stats.prompt_tokens_per_second
                        sample.eval_tps = stats.eval_tokens_per_second
                    samples.append(sample)
    finally:
        await runtime.stop()
    return samples


async def bench_remote(uri: str, texts: Sequence[str], runs: int) -> list[Sample]:
    """Measure turns against a running agent (a new connection per turn, as HA does)."""
    samples: list[Sample] = []
    for text in texts:
        for _ in range(runs):
            started = time.perf_counter()
            first = None
            async with WyomingConnection(uri, read_timeout=120) as connection:
                await connection.write(Transcript(text=text).event())
                while True:
                    event = await connection.read()
                    if event is None:
                        break
                    if HandledChunk.is_type(event.type) and first is None:
                        first = time.perf_counter() - started
                    if Handled.is_type(event.type) or NotHandled.is_type(event.type):
                        break
            total = time.perf_counter() - started
            samples.append(Sample("remote", text, first if first is not None else total, total))
    return samples


def summarize(samples: Sequence[Sample]) -> list[dict[str, object]]:
    """Median per (kind, text)."""
    rows: list[dict[str, object]] = []
    keys = list(dict.fromkeys((s.kind, s.text) for s in samples))
    for kind, text in keys:
        group = [s for s in samples if (s.kind, s.text) == (kind, text)]

        def median(field: str, group: list[Sample] = group) -> float:
            return float(statistics.median(float(getattr(s, field)) for s in group))

        row: dict[str, object] = {"kind": kind, "text": text, "runs": len(group)}
        for field in asdict(group[0]):
            if field not in ("kind", "text"):
                row[field] = round(median(field), 4)
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, object]]) -> None:
    """A fixed-width table of the medians."""
    header = (
        f"{'kind':<10} {'text':<36} {'first ms':>9} {'total ms':>9} "
        f"{'prompt':>7} {'cached':>7} {'gen':>5} {'prompt t/s':>11} {'eval t/s':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        number = {
            key: float(str(value)) for key, value in row.items() if key not in ("kind", "text")
        }
        print(
            f"{row['kind']!s:<10} {str(row['text'])[:36]:<36} "
            f"{number['first_chunk_s'] * 1000:>9.1f} {number['total_s'] * 1000:>9.1f} "
            f"{number['prompt_tokens']:>7.0f} {number['cached_tokens']:>7.0f} "
            f"{number['completion_tokens']:>5.0f} {number['prompt_tps']:>11.0f} "
            f"{number['eval_tps']:>9.0f}"
        )


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench llm") -> int:
    """Run the benchmark and print the results."""
    parser = build_parser(prog)
    args, config = parse_or_exit(parser, argv, lambda a: (a, agent_config(a)))
    commands = args.command or list(COMMANDS)
    prompts = args.prompt or list(PROMPTS)
    try:
        if args.uri:
            samples = asyncio.run(bench_remote(args.uri, [*commands, *prompts], args.runs))
        else:
            samples = asyncio.run(bench_in_process(config, commands, prompts, args.runs))
    except WyomingVoiceError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
    rows = summarize(samples)
    print_table(rows)
    model = config.model_name if not args.uri else args.uri
    print(json.dumps({"bench": "llm", "model": model, "results": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
