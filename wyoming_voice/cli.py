"""The `wyoming-voice` command: dispatches to each subcommand's module, imported lazily."""

from __future__ import annotations

import importlib
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
    "ha-setup": ("homeassistant_config.ha_setup", "add the services to Home Assistant"),
    "install-systemd": ("wyoming_voice.systemd_install", "install systemd units"),
    "doctor": ("wyoming_voice.doctor", "check the installation"),
    "gpu-check": ("wyoming_voice.gpu_check.check", "time each engine on a CUDA GPU"),
}


def _usage() -> str:
    lines = ["usage: wyoming-voice COMMAND [options]", "", "commands:"]
    width = max(len(name) for name in COMMANDS)
    for name, (_module, help_text) in COMMANDS.items():
        lines.append(f"  {name:<{width}}  {help_text}")
    lines += ["", "`wyoming-voice COMMAND --help` explains each command's options."]
    return "\n".join(lines)


def resolve(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """Find the longest command word sequence at the start of argv."""
    for words in (2, 1):
        name = " ".join(argv[:words])
        if len(argv) >= words and name in COMMANDS:
            return name, list(argv[words:])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if args[0] == "--version":
        from wyoming_common import __version__

        print(__version__)
        return 0
    found = resolve(args)
    if found is None:
        print(f"wyoming-voice: unknown command {' '.join(args[:2])!r}\n", file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    name, rest = found
    target, _help = COMMANDS[name]
    module_name, _sep, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        print(f"wyoming-voice {name}: not available ({err})", file=sys.stderr)
        return 2
    result: int = getattr(module, function or "main")(rest, prog=f"wyoming-voice {name}")
    return result


if __name__ == "__main__":
    sys.exit(main())
