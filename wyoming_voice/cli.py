"""The `wyoming-voice` command: dispatches to each subcommand's module, imported lazily."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
from collections.abc import Sequence

# command words → ("module[:function]" taking (argv, prog) and returning the exit code, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "stt": ("wyoming_stt.__main__", "run the speech-to-text server"),
    "tts": ("wyoming_tts.__main__", "run the text-to-speech server"),
    "llm": ("wyoming_llm.__main__", "run the conversation agent server"),
    "satellite": ("satellite.__main__", "run a room satellite"),
    "web": ("wyoming_web.__main__", "run the browser console and HTTP/WebSocket gateway"),
    "up": ("wyoming_voice.stack", "run the whole stack in one command"),
    "discover": (
        "wyoming_voice.probes:discover_main",
        "list Wyoming services found by zeroconf",
    ),
    "describe": ("wyoming_voice.probes:describe_main", "print a service's info"),
    "health": ("wyoming_voice.probes:health_main", "describe round trip; exit 0 when healthy"),
    "transcribe": ("wyoming_voice.transcribe", "transcribe a WAV file through an STT service"),
    "synthesize": ("wyoming_voice.synthesize", "synthesize text to a WAV through a TTS service"),
    "ask": ("wyoming_voice.ask", "send text to the conversation agent"),
    "pipeline": ("wyoming_voice.pipeline_cli", "run WAV → STT → agent → TTS once"),
    "bench stt": ("wyoming_voice.bench.stt", "benchmark an STT service"),
    "bench tts": ("wyoming_voice.bench.tts", "benchmark a TTS service"),
    "bench llm": ("wyoming_voice.bench.llm", "benchmark the conversation agent"),
    "bench agent": ("wyoming_voice.bench.agent", "score the agent's actions on YAML case files"),
    "bench pipeline": (
        "wyoming_voice.bench.pipeline",
        "benchmark end of speech → first reply audio",
    ),
    "bench load": ("wyoming_voice.bench.load", "many clients against one service"),
    "bench satellite": (
        "wyoming_voice.bench.satellite",
        "satellites: arbitration, stop, false wakes",
    ),
    "ha-setup": ("homeassistant_config.ha_setup", "add the services to Home Assistant"),
    "install-systemd": ("wyoming_voice.systemd_install", "install systemd units"),
    "doctor": ("wyoming_voice.doctor", "check the installation"),
    "gpu-check": ("wyoming_voice.gpu_check.check", "time each engine on a CUDA GPU"),
}
# What to install when a command's module (or a library it needs) is missing.
EXTRAS = {"stt": "stt", "tts": "tts", "llm": "llm", "satellite": "satellite"}
HELP_WORDS = ("-h", "--help", "help")
PROG = "wyoming-voice"


def available(name: str) -> bool:
    """Whether the command's module is part of this installation."""
    module = COMMANDS[name][0].partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def usage(prefix: str = "") -> str:
    """The commands (those starting with prefix), one per line."""
    names = [n for n in COMMANDS if n.startswith(prefix) and available(n)]
    what = f"{prefix}COMMAND" if prefix else "COMMAND"
    lines = [f"usage: {PROG} {what} [options]", "", "commands:"]
    width = max(len(name) for name in names)
    lines += [f"  {name:<{width}}  {COMMANDS[name][1]}" for name in names]
    lines += ["", f"`{PROG} {what} --help` explains each command's options."]
    return "\n".join(lines)


def resolve(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """Find the longest command word sequence at the start of argv."""
    for words in (2, 1):
        name = " ".join(argv[:words])
        if len(argv) >= words and name in COMMANDS:
            return name, list(argv[words:])
    return None


def _groups() -> set[str]:
    return {name.split()[0] for name in COMMANDS if " " in name}


def _unknown(args: Sequence[str]) -> int:
    """One line saying what is wrong, with the closest command; exit 2 (0 for a group's help)."""
    where = ""
    if args[0] in _groups():
        where = f"{args[0]} "
        if len(args) == 1 or args[1] in HELP_WORDS:
            print(usage(where), file=sys.stdout if len(args) > 1 else sys.stderr)
            return 0 if len(args) > 1 else 2
        typed = f"{where}{args[1]}"
    else:
        typed = args[0]
    choices = [name for name in COMMANDS if available(name)]
    if " " not in typed:
        choices += sorted(_groups())
    match = difflib.get_close_matches(typed, choices, n=1, cutoff=0.6)
    hint = f" (did you mean '{match[0]}'?)" if match else ""
    print(f"{PROG}: error: unknown command '{typed}'{hint}", file=sys.stderr)
    print(f"(`{PROG} {where}--help` lists every command)", file=sys.stderr)
    return 2


def _not_available(name: str, err: ModuleNotFoundError) -> int:
    words = name.split()
    extra = EXTRAS.get(words[-1]) or EXTRAS.get(words[0])
    fix = f": pip install 'wyoming-voice[{extra}]'" if extra else ""
    print(f"{PROG} {name}: not available here ({err}){fix}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0
    if args[0] == "help":  # `wyoming-voice help up` = `wyoming-voice up --help`
        return main([*args[1:], "--help"]) if len(args) > 1 else main([])
    if args[0] == "--version":
        from wyoming_common import __version__

        print(__version__)
        return 0
    found = resolve(args)
    if found is None:
        return _unknown(args)
    name, rest = found
    target, _help = COMMANDS[name]
    module_name, _sep, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        return _not_available(name, err)
    result: int = getattr(module, function or "main")(rest, prog=f"{PROG} {name}")
    return result


if __name__ == "__main__":
    sys.exit(main())
