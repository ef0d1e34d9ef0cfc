"""The README keeps its promises: every `wyoming-voice stt` flag and its variable are listed."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import REPO
from wyoming_stt.settings import build_parser


def test_readme_lists_every_stt_flag_with_its_environment_variable() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    parser = build_parser("wyoming-voice stt")
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        flag = action.option_strings[-1]
        variable = parser.env_names[action.dest]
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{flag}")), None)
        assert row is not None, f"README has no row for {flag}"
        assert f"`{variable}`" in row, f"README row for {flag} lacks {variable}"


def test_readme_commands_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for script in ("script/run", "script/test", "script/setup", ".ci/run"):
        assert script in readme
        assert (REPO / script).is_file()


TRY_IT = re.compile(r"Try it from another terminal.*?```sh\n(.*?)```", re.DOTALL)
MARK = "@@@readme"
START_TIMEOUT = 180
READ_REPLY = (
    f"{shlex.quote(sys.executable)} -c \"import wave; w = wave.open('/tmp/reply.wav');"
    ' print(w.getnframes() / w.getframerate())"'
)


def try_it_commands() -> list[str]:
    """The command lines of the README's "Try it" block, verbatim."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = TRY_IT.search(readme)
    assert match, "README has no 'Try it' block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def _isolation_tools() -> None:
    missing = [tool for tool in ("unshare", "ip", "mount") if shutil.which(tool) is None]
    if os.geteuid() != 0 or missing:
        message = f"needs root and {', '.join(missing) or 'unshare'} for a private network"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _script(commands: list[str]) -> str:
    """Start `wyoming-voice up` as a new user would (no flags, empty HOME), then run each
    command; markers separate their outputs."""
    # A private /tmp keeps `-o /tmp/...` in here, unless the checkout or its venv live in
    # /tmp themselves (a clone in a temp folder): a tmpfs over /tmp would hide them.
    in_tmp = any(Path(p).resolve().is_relative_to("/tmp") for p in (REPO, sys.prefix))
    lines = [
        "set -u",
        "ip link set lo up",
        "export HOME=$(mktemp -d) PYTHONUNBUFFERED=1"
        if in_tmp
        else "mount -t tmpfs tmpfs /tmp && export HOME=/tmp/home PYTHONUNBUFFERED=1",
        f"export PYTHONPATH={shlex.quote(str(REPO))}",
        f'wyoming-voice() {{ {shlex.quote(sys.executable)} -m wyoming_voice.cli "$@"; }}',
        f"cd {shlex.quote(str(REPO))}",
        # `up` itself (not a shell function around it) gets the SIGTERM at the end.
        f"{shlex.quote(sys.executable)} -m wyoming_voice.cli up > /tmp/up.log 2>&1 &",
        "UP=$!",
        f"for i in $(seq {START_TIMEOUT * 5}); do",
        "  grep -q 'Ctrl-C stops them all' /tmp/up.log && break",
        "  kill -0 $UP 2>/dev/null || break",
        "  sleep 0.2",
        "done",
    ]
    sections = [*enumerate(commands), ("reply", READ_REPLY), ("up", "kill -TERM $UP; wait $UP")]
    for name, command in sections:
        lines += [f"echo '{MARK} {name}'", command, f"echo '{MARK} rc' $?"]
    lines += [f"echo '{MARK} log'", "cat /tmp/up.log", f"echo '{MARK} rc' $?"]
    return "\n".join(lines)


def _sections(output: str) -> dict[str, tuple[str, int]]:
    """Marker name → (its output, its exit code)."""
    pattern = rf"^{MARK} (\S+)\n(.*?)^{MARK} rc (\d+)$"
    found = re.findall(pattern, output, flags=re.MULTILINE | re.DOTALL)
    return {name: (text, int(code)) for name, text, code in found}


@pytest.mark.timeout(400)
def test_every_try_it_command_works_against_a_started_stack() -> None:
    """The README's "Try it" commands, verbatim, against `wyoming-voice up` as `script/run`
    starts it, in a private network (the default ports) and a private /tmp."""
    _isolation_tools()
    commands = try_it_commands()
    before = _repo_files()
    result = subprocess.run(
        ["unshare", "--net", "--mount", "--propagation", "private", "bash", "-c",
         _script(commands)],
        capture_output=True, text=True, timeout=380, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    sections = _sections(result.stdout)
    up_log = sections.get("log", ("", 0))[0]
    assert "wyoming-voice is up:" in up_log, output
    assert sections["up"][1] == 0, up_log  # stopped cleanly by SIGTERM
    by_word = {command.split()[1]: sections[str(i)] for i, command in enumerate(commands)}
    for word, (text, code) in by_word.items():
        if word != "discover":
            assert code == 0, f"{word} exited {code}:\n{text}\n{up_log}"
    assert by_word["health"][0].count("OK ") == 3
    assert "kitchen" in by_word["transcribe"][0].lower()
    assert float(sections["reply"][0].strip()) > 0.5  # seconds of synthesized speech
    assert by_word["ask"][0].strip()
    assert "asr:" in by_word["describe"][0]
    text, code = by_word["discover"]
    assert (code == 0 and "tcp://" in text) or (code == 1 and "--zeroconf" in text), text
    assert _repo_files() == before, "a README command wrote into the checkout"


def _repo_files() -> set[str]:
    """Files git would see as new or changed in the checkout."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=False,
    )  # fmt: skip
    return set(status.stdout.splitlines())


def test_readme_and_docs_links_resolve() -> None:
    """Every relative link in README.md and docs/*.md points at a file that exists."""
    broken = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} → {target}")
    assert broken == []


def test_architecture_doc_states_the_layer_rules() -> None:
    """docs/architecture.md's table says what tests/test_layers.py enforces."""
    from tests.test_layers import ALLOWED

    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    stated: dict[str, frozenset[str] | None] = {}
    for packages, allowed in re.findall(r"^\| ((?:`\w+`(?:, )?)+) \| (.+) \|$", text, re.M):
        imports = None if allowed == "everything" else frozenset(re.findall(r"`(\w+)`", allowed))
        for package in re.findall(r"`(\w+)`", packages):
            stated[package] = imports
    assert stated == ALLOWED
    for package in ALLOWED:
        assert f"## `{package}`" in text, f"no paragraph for {package}"
