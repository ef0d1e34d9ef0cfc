"""The README keeps its promises: every `wyoming-voice stt` flag and its variable are listed."""

from __future__ import annotations

import argparse

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
