"""Small modules and functions outside the tests: no module over 300 lines, no function over
60 (issue 10). A long one is split by concept, not by cutting it in two."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = (
    "wyoming_common",
    "voice_pipeline",
    "wyoming_stt",
    "wyoming_tts",
    "wyoming_llm",
    "satellite",
    "wyoming_web",
    "homeassistant_config",
    "wyoming_voice",
)
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def oversized(path: Path) -> list[str]:
    """What is too long in one module: itself, and each function (methods included)."""
    text = path.read_text(encoding="utf-8")
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(
                    f"{node.name} (line {node.lineno}): {length} lines"
                    f" (at most {MAX_FUNCTION_LINES})"
                )
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_and_functions_are_small(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package} has no modules"
    problems = [
        f"{path.relative_to(ROOT).as_posix()}: {problem}"
        for path in modules
        for problem in oversized(path)
    ]
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "".join(f"    x = {n}\n" for n in range(MAX_FUNCTION_LINES))
    module = tmp_path / "long.py"
    module.write_text(f"def long():\n{body}", encoding="utf-8")
    assert oversized(module) == [f"long (line 1): {MAX_FUNCTION_LINES + 1} lines (at most 60)"]
    module.write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert oversized(module) == [f"{MAX_MODULE_LINES + 1} lines (at most 300)"]
