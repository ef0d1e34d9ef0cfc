"""A real Wyoming service process for the `up` tests: `python -m tests.ops.describe_child`.

It answers describe like one of ours (--role), and can misbehave on purpose: exit with a code
after a delay (--exit-after/--exit-code) or ignore SIGTERM (--ignore-sigterm).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from functools import partial

from tests.ops.wyoming_fakes import DescribeOnlyHandler, agent_info, stt_info, tts_info
from wyoming_common.config import ServiceSettings
from wyoming_common.runner import ServiceRunner

INFOS = {"stt": stt_info, "tts": tts_info, "llm": agent_info}


async def serve(args: argparse.Namespace) -> int:
    info = INFOS[args.role]()
    settings = ServiceSettings(uri=args.uri, log_format="%(message)s")
    runner = ServiceRunner(
        settings, partial(DescribeOnlyHandler, info=lambda: info), service=args.role
    )
    if args.exit_after is not None:
        await runner.start()
        await asyncio.sleep(args.exit_after)
        return int(args.exit_code)
    if args.ignore_sigterm:
        await runner.start()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        await asyncio.Event().wait()
    await runner.run_forever()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uri", required=True)
    parser.add_argument("--role", choices=sorted(INFOS), required=True)
    parser.add_argument("--exit-after", type=float)
    parser.add_argument("--exit-code", type=int, default=3)
    parser.add_argument("--ignore-sigterm", action="store_true")
    return asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
