"""`wyoming-voice bench llm`: how fast the agent's model turns are, on real models.

For open answers, each run is paired with raw llama-cpp-python on the same prompt (the same
loaded model, same sampling, same number of tokens), interleaved so machine load hits both:
first spoken word, whole answer, prompt tokens evaluated (cache hits), tokens/s, and our
overhead as a ratio. Tool turns (commands HA's sentences do not cover) run against a home:
the one given with --hass-url, else the fake Home Assistant of a source checkout.

Uses Qwen2.5-Coder 1.5B from --models (the real-model cache) unless --model says otherwise.
Prints a table and one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from wyoming_common.config import EnvArgumentParser, positive_int
from wyoming_common.errors import ConfigError, WyomingVoiceError
from wyoming_common.options import add_flags, read_settings
from wyoming_common.worker import ModelWorker
from wyoming_llm.engines.llama import LlamaEngine
from wyoming_llm.runtime import AgentRuntime, build_home
from wyoming_llm.settings import ENV_PREFIX, AgentConfig, AgentFlags, HassSettings, agent_config

from .fake_home import fake_home
from .llm_runs import Sample, ours, raw
from .real_models import default_models_dir, real_models

PROMPTS = (
    "Tell me something nice about cats.",
    "Why is the sky blue?",
    "Give me a tip for sleeping better.",
)
TOOL_TURNS = (
    "I'd like the standing light at thirty percent please",
    "could you switch the bed light on for me",
    "make sure the office fan is running",
)
MODELS = {"qwen-1.5b": "qwen_1_5b", "qwen-0.5b": "qwen_0_5b"}


def build_parser(prog: str) -> EnvArgumentParser:
    """Bench flags plus the agent's own."""
    parser = EnvArgumentParser(prog=prog, env_prefix=ENV_PREFIX, description=__doc__)
    parser.add_argument(
        "--models", type=Path, default=None, env=False, help=f"real models ({default_models_dir()})"
    )
    parser.add_argument("--runs", type=positive_int, default=3, env=False, help="runs per text")
    parser.add_argument("--prompt", action="append", env=False, help="open question (repeat)")
    parser.add_argument("--tool-turn", action="append", env=False, help="command (repeat)")
    parser.add_argument("--no-home", action="store_true", env=False, help="skip tool turns")
    add_flags(parser, AgentFlags)
    parser.set_defaults(model="qwen-1.5b")
    return parser


def _config(args: argparse.Namespace) -> AgentConfig:
    flags: AgentFlags = read_settings(AgentFlags, args)
    if flags.model.openai_url:
        raise ConfigError("--openai-url", "bench llm measures the in-process llama.cpp engine")
    return agent_config(flags)


def _model_path(args: argparse.Namespace) -> str:
    name = args.model
    if name in MODELS:
        models = real_models(args.models)
        path = getattr(models, MODELS[name])
        if models.missing(path):
            raise ConfigError(
                "--model",
                f"{path} is missing (../shared/models/fetch-real-models {models.root} --set all)",
            )
        return str(path)
    return str(name)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def summarize(samples: Sequence[Sample]) -> dict[str, object]:
    """Medians per kind and the overhead ratio of ours over raw."""
    result: dict[str, object] = {}
    for kind in dict.fromkeys(s.kind for s in samples):
        group = [s for s in samples if s.kind == kind]
        prompt = sum(s.prompt_tokens for s in group)
        result[kind] = {
            "runs": len(group),
            "first_word_ms": round(_median([s.first_word_s for s in group]) * 1000, 1),
            "total_ms": round(_median([s.total_s for s in group]) * 1000, 1),
            "evaluated_prompt_tokens": round(_median([s.evaluated for s in group]), 1),
            "cache_hit_rate": round(sum(s.cached_tokens for s in group) / prompt, 3)
            if prompt
            else 0.0,
            "completion_tokens": round(_median([s.completion_tokens for s in group]), 1),
            "prompt_tps": round(_median([s.prompt_tps for s in group]), 1),
            "eval_tps": round(_median([s.eval_tps for s in group]), 1),
            "handled": sum(s.handled for s in group),
        }
    pairs = [
        (o, r)
        for o, r in zip(
            [s for s in samples if s.kind == "open"],
            [s for s in samples if s.kind == "raw"],
            strict=False,
        )
        if r.total_s > 0
    ]
    if pairs:
        result["overhead_total"] = round(_median([o.total_s / r.total_s for o, r in pairs]), 3)
        result["overhead_first_word"] = round(
            _median([o.first_word_s / r.first_word_s for o, r in pairs if r.first_word_s]), 3
        )
    return result


def print_table(summary: dict[str, object]) -> None:
    """One line per kind, then the ratios."""
    print(
        f"{'kind':<6} {'runs':>4} {'first word ms':>13} {'total ms':>9} {'evaluated':>9} "
        f"{'cache hit':>9} {'gen':>5} {'prompt t/s':>10} {'eval t/s':>8} {'handled':>7}"
    )
    for kind, row in summary.items():
        if not isinstance(row, dict):
            continue
        print(
            f"{kind:<6} {row['runs']:>4} {row['first_word_ms']:>13} {row['total_ms']:>9} "
            f"{row['evaluated_prompt_tokens']:>9} {row['cache_hit_rate']:>9} "
            f"{row['completion_tokens']:>5} {row['prompt_tps']:>10} {row['eval_tps']:>8} "
            f"{row['handled']:>7}"
        )
    for key in ("overhead_total", "overhead_first_word"):
        if key in summary:
            print(f"{key}: {summary[key]}x (ours / raw llama-cpp-python, median of pairs)")


async def run_bench(
    config: AgentConfig, prompts: Sequence[str], tool_turns: Sequence[str], runs: int
) -> list[Sample]:
    """Open answers paired with raw runs, then tool turns (with a home)."""
    engine = LlamaEngine(config.llama, ModelWorker("llm")) if config.llama else None
    if engine is None:
        raise ConfigError("--model", "bench llm needs a GGUF model")
    runtime = AgentRuntime(config, engine=engine, home=build_home(config))
    samples: list[Sample] = []
    await runtime.start()
    try:
        await ours(runtime, engine, prompts[0], "open")  # warm-up turn, not measured
        for text in prompts:
            for _ in range(runs):
                mine = await ours(runtime, engine, text, "open")
                samples.append(mine)
                samples.append(await raw(runtime, engine, text, mine.completion_tokens))
        if runtime.home is not None:
            for text in tool_turns:
                for _ in range(runs):
                    samples.append(await ours(runtime, engine, text, "tool"))
    finally:
        await runtime.stop()
    return samples


async def _main(args: argparse.Namespace, config: AgentConfig) -> list[Sample]:
    prompts = args.prompt or list(PROMPTS)
    turns = [] if args.no_home else (args.tool_turn or list(TOOL_TURNS))
    if config.hass is not None or not turns:
        return await run_bench(config, prompts, turns, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as workdir:
        instead = "give --hass-url and --hass-token-file, use --no-home"
        async with fake_home(Path(workdir), instead=instead) as (url, token):
            hass = HassSettings(url, token, config.hass.timeout if config.hass else 2.5)
            return await run_bench(replace(config, hass=hass), prompts, turns, args.runs)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench llm") -> int:
    """Run the benchmark and print the results."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        args.model = _model_path(args)
        config = _config(args)
    except ConfigError as err:
        parser.error(str(err))
    try:
        samples = asyncio.run(_main(args, config))
    except WyomingVoiceError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
    summary = summarize(samples)
    print_table(summary)
    print(json.dumps({"bench": "llm", "model": config.model_name, **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
