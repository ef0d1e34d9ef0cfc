"""The import graph points down: each package imports only the packages below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the project packages it may import (None: any of them)
ALLOWED: dict[str, frozenset[str] | None] = {
    "wyoming_common": frozenset(),
    "voice_pipeline": frozenset({"wyoming_common"}),
    "wyoming_stt": frozenset({"wyoming_common"}),
    "wyoming_tts": frozenset({"wyoming_common"}),
    "wyoming_llm": frozenset({"wyoming_common"}),
    "homeassistant_config": frozenset({"wyoming_common"}),
    "satellite": frozenset({"wyoming_common", "voice_pipeline"}),
    "wyoming_web": frozenset({"wyoming_common", "voice_pipeline"}),
    "wyoming_voice": None,
}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Import):
            found.update((node.lineno, alias.name.split(".")[0]) for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    allowed = ALLOWED[package]
    assert (ROOT / package / "__init__.py").is_file()
    if allowed is None:
        return
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, imported in imported_packages(path)
        if imported in ALLOWED and imported != package and imported not in allowed
    ]
    assert upward == []


def test_every_package_is_known() -> None:
    """A new top-level package must say where it sits in the graph."""
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in {"tests", "script"}
    }
    assert packages == set(ALLOWED)
