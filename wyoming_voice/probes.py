"""`wyoming-voice describe`, `health` and `discover`: look at running services."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import Sequence
from typing import Any

from wyoming.info import Info

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import CommandParser, client_uri, positive_float
from wyoming_common.discovery import browse

NOTHING_FOUND_HINT = (
    "Services are advertised only when started with --zeroconf (`wyoming-voice up` and the "
    "systemd units do); zeroconf needs multicast between you and them (not across VLANs, or out "
    "of a Docker bridge network). Try --seconds 10, or ask one directly: "
    "`wyoming-voice describe tcp://HOST:PORT`."
)


_ENGINE = re.compile(r"\(([^()]+)\)\s*$")  # "Local text to speech (piper)" → piper
SHORT_ITEMS = 3


def _items(program: Any, short: bool) -> str:
    items = getattr(program, "models", None) or getattr(program, "voices", None) or []
    shown = items[: SHORT_ITEMS if short else 6]
    if short:
        names = ", ".join(str(item.name) for item in shown)
    else:
        names = ", ".join(f"{item.name} ({'/'.join(item.languages or [])})" for item in shown)
    more = f" +{len(items) - len(shown)} more" if len(items) > len(shown) else ""
    return f"[{names}{more}]"


def summarize_info(info: Info, *, short: bool = False) -> list[str]:
    """One line per program/satellite: type, name, models or voices (short: the engine and the
    first few names, without languages)."""
    lines: list[str] = []
    groups: list[tuple[str, list[Any]]] = [
        ("asr", info.asr),
        ("tts", info.tts),
        ("handle", info.handle),
        ("intent", info.intent),
        ("wake", info.wake),
        ("mic", info.mic),
        ("snd", info.snd),
    ]
    for kind, programs in groups:
        for program in programs or []:
            engine = _ENGINE.search(getattr(program, "description", None) or "")
            label = f"{program.name} ({engine.group(1)})" if short and engine else program.name
            lines.append(f"{kind}: {label} {_items(program, short)}")
    if info.satellite is not None:
        lines.append(f"satellite: {info.satellite.name} (area {info.satellite.area})")
    return lines


def _parser(prog: str, description: str) -> CommandParser:
    return CommandParser(prog=prog, description=description)


def _check_uris(parser: CommandParser, uris: Sequence[str]) -> None:
    """Malformed URIs are usage errors (exit 2), checked after parsing so that a mistyped
    flag is reported (with its suggestion) before the word it swallowed."""
    for uri in uris:
        try:
            client_uri(uri)
        except (argparse.ArgumentTypeError, ValueError) as err:
            parser.error(str(err))


def describe_main(argv: Sequence[str], prog: str = "wyoming-voice describe") -> int:
    """Print the info of the service at URI (JSON with --json); 1 when it does not answer,
    2 for a usage error (a malformed URI)."""
    parser = _parser(prog, "Send describe to a Wyoming service and print its info.")
    parser.add_argument("uri", help="service URI, e.g. tcp://127.0.0.1:10300")
    parser.add_argument("--json", action="store_true", help="print the raw info JSON")
    parser.add_argument("--timeout", type=positive_float, default=5.0, help="seconds to wait")
    args = parser.parse_args(argv)
    _check_uris(parser, [args.uri])
    try:
        info = asyncio.run(describe(args.uri, args.timeout))
    except ServiceUnavailableError as err:  # unreachable, silent or not Wyoming
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(info.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(summarize_info(info)) or "(no programs)")
    return 0


def health_main(argv: Sequence[str], prog: str = "wyoming-voice health") -> int:
    """Exit 0 when every URI answers describe with an installed program within the timeout,
    1 when one does not, 2 for a usage error (a malformed URI)."""
    parser = _parser(prog, "Check services with a describe/info round trip (exit 0 = healthy).")
    parser.add_argument("uris", nargs="+", metavar="URI", help="service URI(s)")
    parser.add_argument("--timeout", type=positive_float, default=3.0, help="seconds to wait")
    parser.add_argument("--quiet", action="store_true", help="print nothing, only set exit code")
    args = parser.parse_args(argv)
    _check_uris(parser, args.uris)

    async def check(uri: str) -> tuple[str, bool, str]:
        started = time.monotonic()
        try:
            info = await describe(uri, args.timeout)
        except ServiceUnavailableError as err:  # unreachable, silent or not Wyoming
            return uri, False, str(err)
        programs = summarize_info(info, short=True)
        millis = (time.monotonic() - started) * 1000
        if not programs:
            return uri, False, "info lists no program"
        return uri, True, f"{programs[0]} ({millis:.0f} ms)"

    async def check_all() -> list[tuple[str, bool, str]]:
        return await asyncio.gather(*(check(uri) for uri in args.uris))

    results = asyncio.run(check_all())
    if not args.quiet:
        for uri, healthy, detail in results:
            print(f"{'OK  ' if healthy else 'FAIL'} {uri}: {detail}")
    return 0 if all(ok for _uri, ok, _detail in results) else 1


def discover_main(argv: Sequence[str], prog: str = "wyoming-voice discover") -> int:
    """Browse zeroconf for Wyoming services and describe each one; 1 when none is found."""
    parser = _parser(prog, "Find Wyoming services on the network (zeroconf) and describe them.")
    parser.add_argument("--seconds", type=positive_float, default=3.0, help="how long to listen")
    parser.add_argument(
        "--interface", action="append", help="only this interface address (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    args = parser.parse_args(argv)

    async def run() -> int:
        services = await browse(args.seconds, interfaces=args.interface)
        if not services:
            print(f"No Wyoming services found in {args.seconds:g} s.", file=sys.stderr)
            print(NOTHING_FOUND_HINT, file=sys.stderr)
            return 1
        for service in services:
            try:
                info = await describe(service.uri, 3.0)
                programs = summarize_info(info, short=True)
                error = None
            except ServiceUnavailableError as err:  # unreachable, silent or not Wyoming
                programs, error = [], str(err)
            if args.json:
                record = {"name": service.name, "uri": service.uri, "programs": programs}
                if error:
                    record["error"] = error
                print(json.dumps(record))
                continue
            print(f"{service.name}  {service.uri}")
            for line in programs:
                print(f"    {line}")
            if error:
                print(f"    (describe failed: {error})")
        return 0

    return asyncio.run(run())
