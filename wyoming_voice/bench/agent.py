"""`wyoming-voice bench agent`: how often the conversation agent does what a Home Assistant
user meant, and how often it does something else.

Each case file (YAML; format: tests/agent_cases/README.md) holds a home and test sentences.
The home is served by the fake Home Assistant (HA 2026.11's websocket, REST and
`/api/intent/handle`) in this process; the real agent (`python -m wyoming_llm`, fast path
only, or with `--model`) runs as a child process pointed at it. Before each sentence the home
is reset and the test's setup applied; the sentence goes to the agent as a Wyoming
`transcript` (with the test's device as `device_id`/`satellite_id`); the changes in the home
and the reply are judged (`agent_judge`). Prints a table per category and overall (passed,
wrong actions, no-match, false successes, wrong answers, errors, latency p50/p95) and, with
--json, one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.errors import WyomingVoiceError

from .agent_cases import Case, CaseFile, CaseFormatError, load_case_file
from .agent_home import apply_setup, diff, reset_house, snapshot
from .agent_judge import judge
from .agent_report import SentenceResult, failure_lines, json_report, table
from .agent_runner import AgentProcess, CaseHome, ask, case_home
from .real_models import RealModels, real_models

MODEL_NAMES = {"qwen-0.5b": "qwen_0_5b", "qwen-1.5b": "qwen_1_5b", "smollm-135m": "smollm_135m"}


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The benchmark's flags."""
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases",
        action="append",
        required=True,
        type=Path,
        metavar="FILE|DIR",
        help="case file, or a folder of *.yaml (repeat)",
    )
    parser.add_argument(
        "--model",
        help="GGUF path, a file in --models/llm, or qwen-0.5b, qwen-1.5b, smollm-135m"
        " (default: none, the fast path only)",
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=None,
        help="real models folder (default: the fetch-real-models cache)",
    )
    parser.add_argument("--categories", help="only these categories (comma-separated)")
    parser.add_argument("--limit", type=int, default=None, help="at most N sentences per case file")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one turn may take")
    parser.add_argument(
        "--agent-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra agent flag for every case file (repeat; use --agent-arg=--flag)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.25,
        help="seconds to wait after a reset changed states, so the agent has seen them",
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failed sentence")
    return parser


def resolve_model(value: str | None, models: RealModels) -> Path | None:
    """--model as a path, a short name or a file under the models folder; ValueError if none."""
    if value is None:
        return None
    candidates = [Path(value).expanduser()]
    if value in MODEL_NAMES:
        candidates.insert(0, getattr(models, MODEL_NAMES[value]))
    candidates.append(models.root / "llm" / value)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ValueError(f"no model {value!r} (tried {', '.join(map(str, candidates))})")


def load_cases(paths: Sequence[Path]) -> list[CaseFile]:
    """Every case file named or inside the named folders (sorted)."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise CaseFormatError(f"no case files in {', '.join(map(str, paths))}")
    return [load_case_file(file) for file in files]


def select(
    case_file: CaseFile, categories: set[str] | None, limit: int | None
) -> list[tuple[Case, str]]:
    """(case, sentence) pairs to run from one file."""
    pairs = [
        (case, sentence)
        for case in case_file.cases
        if categories is None or case.category in categories
        for sentence in case.sentences
    ]
    return pairs[:limit] if limit is not None else pairs


@dataclass(frozen=True)
class RunOptions:
    """How sentences are run."""

    model: Path | None = None
    extra_args: tuple[str, ...] = ()
    timeout: float = 120.0
    settle: float = 0.25


async def run_sentence(
    home: CaseHome, agent_uri: str, case: Case, sentence: str, options: RunOptions
) -> SentenceResult:
    """Reset, set up, say the sentence (after its `preceded_by` turns) and judge."""
    house = home.hass.house
    changed: list[str] = []
    remove = house.add_listener(lambda event: changed.append(event.entity_id))
    try:
        reset_house(house, home.pristine)
        apply_setup(house, case.setup)
    finally:
        remove()
    if changed:
        await asyncio.sleep(options.settle)
    timeout = options.timeout
    before = snapshot(house)
    conversation_id = uuid.uuid4().hex
    for earlier in case.preceded_by:
        await ask(
            agent_uri,
            earlier,
            conversation_id=conversation_id,
            device_id=case.device_id,
            timeout=timeout,
        )
    reply = await ask(
        agent_uri,
        sentence,
        conversation_id=conversation_id,
        device_id=case.device_id,
        timeout=timeout,
    )
    after = snapshot(house)
    verdict = judge(case, diff(before, after), reply, after)
    return SentenceResult(
        case_file=home.case_file.name,
        category=case.category,
        sentence=sentence,
        outcome=verdict.outcome,
        reply=reply.text if reply.error is None else reply.error,
        handled=reply.handled,
        seconds=reply.seconds,
        problems=verdict.problems,
        changes=verdict.changes,
    )


async def run_file(
    case_file: CaseFile, pairs: list[tuple[Case, str]], options: RunOptions
) -> list[SentenceResult]:
    """Run one file's sentences: one agent process per distinct set of agent flags."""
    groups: dict[tuple[str, ...], list[tuple[Case, str]]] = {}
    for case, sentence in pairs:
        args = (*case_file.agent_args, *case.agent_args, *options.extra_args)
        groups.setdefault(args, []).append((case, sentence))
    results: list[SentenceResult] = []
    async with case_home(case_file) as home:
        for args, group in groups.items():
            async with AgentProcess(home.hass, args, model=options.model) as agent:
                for case, sentence in group:
                    agent.check_running()
                    results.append(await run_sentence(home, agent.uri, case, sentence, options))
    return results


async def run_bench(
    case_files: Sequence[CaseFile],
    options: RunOptions,
    *,
    categories: set[str] | None = None,
    limit: int | None = None,
) -> list[SentenceResult]:
    """Run every selected sentence of every file."""
    results: list[SentenceResult] = []
    for case_file in case_files:
        pairs = select(case_file, categories, limit)
        if pairs:
            results += await run_file(case_file, pairs, options)
    return results


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench agent") -> int:
    """Run the benchmark and print the report."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        model = resolve_model(args.model, real_models(args.models))
    except ValueError as err:
        print(f"{prog}: error: --model: {err}", file=sys.stderr)
        return 2
    try:
        case_files = load_cases(args.cases)
    except CaseFormatError as err:
        print(f"{prog}: error: --cases: {err}", file=sys.stderr)
        return 2
    categories = set(args.categories.split(",")) if args.categories else None
    options = RunOptions(model, tuple(args.agent_arg), args.timeout, args.settle)
    try:
        results = asyncio.run(
            run_bench(case_files, options, categories=categories, limit=args.limit)
        )
    except WyomingVoiceError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
    print(table(results))
    shown = (
        ("wrong_action", "no_match", "false_success", "wrong_answer", "error")
        if args.verbose
        else ("wrong_action", "error")
    )
    for line in failure_lines(results, shown):
        print(line)
    if args.json:
        meta = {
            "model": model.name if model else "fast-path",
            "cases": [c.name for c in case_files],
        }
        print(json.dumps(json_report(results, meta), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
