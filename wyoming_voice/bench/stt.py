"""`wyoming-voice bench stt`: accuracy, false commands, latency and crowds, ours against the peer.

By default it starts our STT server on the real Whisper base (`--models`, the fetch cache) with
the house's names (as Home Assistant would give them), and wyoming-faster-whisper 3.8.1 on the
same model when it is installed (here or in `--peer-python`'s environment). Clip sets: the
synthesized ../shared/audio/commands and a held-out set made on this machine (Piper joe and
espeak-ng voices, noise, reverb, sentences that are not commands; see stt_audio), or with
`--made-set tuning` the other house's set that thresholds are chosen on. For each
server: WER, exact matches, empty transcripts (rejections), false commands (a transcript that
is a *different* valid command; "asks": of those, the ones asking for something else, not only
another article or plural), latency after audio-stop (p50/p95), and with --concurrency
N clients at once (busy, timeouts, correct). Prints tables and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from pathlib import Path

from wyoming_common.config import positive_int, wyoming_uri
from wyoming_common.errors import WyomingVoiceError
from wyoming_stt.names_file import parse_names

from .real_models import default_models_dir, real_models
from .stt_audio import MADE_SETS, build_clip_set
from .stt_peer import PEER_MODULE, peer_installed, running_ours, running_peer
from .stt_runs import Clip, crowd, interleaved, latency, load_clips
from .stt_scoring import CommandSet, score, summarise

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
# The fake Home Assistant's house (tests/fake_hass), as --names-file lines: the names
# ../shared/audio/commands use. Its commands open and close the Sliding Door: a cover here.
HOUSE = (
    "light: Kitchen Lights", "light: Kitchen", "light: Standing Light", "light: Bed Light",
    "fan: Office Fan", "climate: EcoBee", "sensor: Outdoor Humidity",
    "sensor: Office Temperature", "sensor: Kitchen Temperature", "lock: Front Door",
    "cover: Garage Door", "cover: Office Blinds", "cover: Sliding Door", "media_player: TV",
    "script: Party Time", "scene: Movie Night", "weather: New York", "area: Kitchen",
    "area: Living Room", "area: Office", "area: Bedroom",
)  # fmt: skip
HOUSE_VOCABULARY = parse_names(HOUSE)
# With --big-house, names of a house as large as Home Assistant's demo (about 75 exposed to
# Assist), before the set's own: names like the demo's, and the other made set's house.
DEMO_LIKE = (
    "light: Entrance Color + White Lights", "light: Living Room RGBWW Lights",
    "climate: HeatPump", "cover: Kitchen Window", "cover: Hall Window",
    "cover: Living Room Window", "cover: Pergola Roof", "fan: Living Room Fan",
    "fan: Percentage Full Fan", "fan: Percentage Limited Fan", "fan: Preset Only Limited Fan",
    "lock: Kitchen Door", "lock: Poorly Installed Door", "lock: Openable Lock",
    "media_player: Walkman", "media_player: Lounge Room", "media_player: Group",
    "media_player: Sound Bar", "switch: Decorative Lights", "switch: AC",
    "sensor: Outside Temperature", "sensor: Outside Humidity", "sensor: Carbon Monoxide",
    "sensor: Carbon Dioxide", "sensor: Power Consumption", "humidifier: Humidifier",
    "humidifier: Dehumidifier", "humidifier: Hygrostat", "water_heater: Demo Water Heater",
    "valve: Front Garden", "valve: Orchard",
)  # fmt: skip


def names_lines(made_set: str, *, big: bool = False) -> tuple[str, ...]:
    """The --names-file lines ours gets: the fake HA's house and the made set's; with `big`,
    first DEMO_LIKE and the other made sets' houses."""
    house = (*HOUSE, *MADE_SETS[made_set].names_file_lines)
    if big:
        others = (spec.names_file_lines for name, spec in MADE_SETS.items() if name != made_set)
        house = (*DEMO_LIKE, *(line for lines in others for line in lines), *house)
    return tuple(dict.fromkeys(house))


def build_parser(prog: str) -> argparse.ArgumentParser:
    """Flags of the STT benchmark."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", type=wyoming_uri, help="an STT server already running")
    parser.add_argument("--engine", choices=("faster-whisper", "pocketsphinx"), default=None)
    parser.add_argument("--models", type=Path, default=None, help="real models folder")
    parser.add_argument("--audio", type=Path, action="append", help="folder of WAVs; repeatable")
    parser.add_argument(
        "--made-set",
        choices=sorted(MADE_SETS),
        default="heldout",
        help="the set made on this machine to run: heldout (reported figures) or tuning (the "
        "other house thresholds are chosen on)",
    )
    parser.add_argument("--heldout-dir", type=Path, default=None, help="made set cache folder")
    parser.add_argument("--no-heldout", action="store_true", help="skip the made set")
    parser.add_argument("--no-names", action="store_true", help="start ours without names")
    parser.add_argument(
        "--big-house",
        action="store_true",
        help="give ours about 80 names, a house as large as Home Assistant's demo: 31 names "
        "like the demo's and the other made set's house before this set's own",
    )
    parser.add_argument("--runs", type=positive_int, default=1, help="latency passes")
    parser.add_argument(
        "--every", type=positive_int, default=1, help="use every N-th clip of each set"
    )
    parser.add_argument("--language", default="en")
    parser.add_argument("--concurrency", default="", help="e.g. 1,4,16,64 (clients at once)")
    parser.add_argument("--peer-uri", type=wyoming_uri, help="a peer server already running")
    parser.add_argument("--peer-python", default=os.environ.get("WYOMING_VOICE_PEER_PYTHON"))
    parser.add_argument("--no-peer", action="store_true", help="do not start the peer")
    parser.add_argument(
        "--peer-crowds", action="store_true", help="send the --concurrency crowds to the peer too"
    )
    parser.add_argument("--peer-arg", action="append", default=[], help="extra peer argument")
    return parser


def _clip_sets(args: argparse.Namespace) -> dict[str, list[Clip]]:
    sets: dict[str, list[Clip]] = {}
    for folder in args.audio or [SHARED / "audio" / "commands"]:
        sets[folder.name] = load_clips(folder)[:: args.every]
    if not args.no_heldout and not args.audio:
        models = real_models(args.models)
        spec = MADE_SETS[args.made_set]
        cache = args.heldout_dir or default_models_dir().parent / f"stt-{spec.name}"
        noise = SHARED / "audio" / "misc" / "background_noise.wav"
        folder = build_clip_set(cache, models.piper_joe, noise, spec)
        sets[spec.name] = load_clips(folder)[:: args.every]
    return sets


@contextlib.asynccontextmanager
async def _servers(
    args: argparse.Namespace, names_file: Path | None
) -> AsyncIterator[dict[str, str]]:
    async with contextlib.AsyncExitStack() as stack:
        servers: dict[str, str] = {}
        models = real_models(args.models)
        if args.uri:
            servers["ours"] = args.uri
        else:
            ours = ["--language", args.language]
            if args.engine == "pocketsphinx":
                ours += ["--engine", "pocketsphinx"]
            else:
                ours += ["--model", str(models.whisper_base), "--device", "cpu"]
            if names_file is not None:
                ours += ["--names-file", str(names_file)]
            servers["ours"] = await stack.enter_async_context(running_ours(ours))
        if args.peer_uri:
            servers["peer"] = args.peer_uri
        elif not args.no_peer and args.engine != "pocketsphinx":
            if peer_installed(args.peer_python):
                peer_args = ["--language", args.language, "--device", "cpu", *args.peer_arg]
                servers["peer"] = await stack.enter_async_context(
                    running_peer(str(models.whisper_base), peer_args, python=args.peer_python)
                )
            else:
                print(f"note: {PEER_MODULE} is not installed; no peer", file=sys.stderr)
        yield servers


async def _run(args: argparse.Namespace) -> dict[str, object]:
    sets = _clip_sets(args)
    house = names_lines(args.made_set, big=args.big_house)
    commands = CommandSet(parse_names(house))
    report: dict[str, object] = {"bench": "stt", "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="bench-stt-") as tmp:
        names_file = None
        if not args.no_names:
            names_file = Path(tmp) / "names.txt"
            names_file.write_text("\n".join(house))
        async with _servers(args, names_file) as servers:
            report["servers"] = list(servers)
            right_alone: list[Clip] = []
            for set_name, clips in sets.items():
                results = await interleaved(servers, clips, args.runs, args.language)
                for label, runs in results.items():
                    texts = [r.text or "" for r in runs[0]]
                    refs = [(c.name, c.reference or "", c.kind) for c in clips]
                    scored = score(refs, texts, commands)
                    if label == "ours" and not right_alone:
                        pairs = zip(clips, scored, strict=True)
                        right_alone = [c for c, r in pairs if r.outcome == "exact"]
                    report[f"{label}/{set_name}"] = {
                        "accuracy": asdict(summarise(scored)),
                        "latency": asdict(latency(runs)),
                        "wrong": [f"{s.reference} -> {s.hypothesis}" for s in scored if s.edits],
                    }
                    _progress(f"{label}/{set_name}", report[f"{label}/{set_name}"])
            levels = [int(n) for n in args.concurrency.split(",") if n.strip()]
            if levels:
                # The clips ours transcribed right alone: a crowd must not change them.
                clips = right_alone
                for label, uri in servers.items():
                    if label != "ours" and not args.peer_crowds:
                        continue
                    for clients in levels:
                        result = await crowd(uri, clips, clients, args.language, 300.0)
                        report[f"{label}/crowd{clients}"] = asdict(result)
                        _progress(f"{label}/crowd{clients}", asdict(result))
    return report


def _progress(key: str, value: object) -> None:
    """Each result as soon as it exists (stderr), so a long run that is stopped keeps them."""
    print(f"progress {key}: {json.dumps(value)}", file=sys.stderr, flush=True)


def format_report(report: dict[str, object]) -> str:
    """Human-readable tables."""
    lines = [
        f"{'server/set':<22} {'clips':>5} {'WER':>6} {'cmdWER':>6} {'exact':>7} {'empty':>5} "
        f"{'false':>5} {'asks':>4} {'words':>5} {'rej.other':>9} {'wrong>empty':>11} {'p50 ms':>7} "
        f"{'p95 ms':>7}"
    ]
    crowds = []
    for key, value in report.items():
        if not isinstance(value, dict):
            continue
        if "accuracy" in value:
            a, t = value["accuracy"], value["latency"]
            share = a["wrong_empty_share"]
            lines.append(
                f"{key:<22} {a['clips']:>5} {a['wer']:>6.1%} {a['commands_wer']:>6.1%} "
                f"{a['exact']:>3}/{a['clips']:<3} {a['empty']:>5} {a['false_commands']:>5} "
                f"{a['other_requests']:>4} {a['other_words']:>5} "
                f"{a['other_empty']:>4}/{a['other_clips']:<4} "
                f"{'-' if share is None else f'{share:.0%}':>11} "
                f"{t['p50_ms']:>7.0f} {t['p95_ms']:>7.0f}"
            )
        elif "clients" in value:
            crowds.append(
                f"{key:<22} {value['clients']:>7} {value['correct']:>7} {value['busy']:>5} "
                f"{value['timeouts']:>8} {value['other_errors']:>6} {value['p50_ms']:>7.0f} "
                f"{value['p95_ms']:>7.0f} {value['wall_s']:>6.1f}"
            )
            crowds += [f"  otherwise than alone: {wrong}" for wrong in value.get("wrong", ())]
    if crowds:
        lines += [
            "",
            f"{'server/crowd':<22} {'clients':>7} {'correct':>7} {'busy':>5} {'timeouts':>8} "
            f"{'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'wall s':>6}",
            *crowds,
        ]
    return "\n".join(lines)


def _ratios(report: dict[str, object]) -> None:
    for key in [k for k in report if k.startswith("ours/") and "crowd" not in k]:
        peer = report.get("peer/" + key.split("/", 1)[1])
        ours = report[key]
        if isinstance(peer, dict) and isinstance(ours, dict) and peer["latency"]["p50_ms"]:
            ratio = ours["latency"]["p50_ms"] / peer["latency"]["p50_ms"]
            report["ratio_p50_ours_over_peer/" + key.split("/", 1)[1]] = round(ratio, 3)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice bench stt") -> int:
    """Run the benchmark and print the tables and a JSON line."""
    args = build_parser(prog).parse_args(argv)
    try:
        report = asyncio.run(_run(args))
    except (WyomingVoiceError, OSError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    _ratios(report)
    print(format_report(report))
    for key, value in report.items():
        if key.startswith("ratio_"):
            print(f"{key}: {value:.2f}x")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
