"""No asyncio.wait_for outside the tests: asyncio.timeout instead.

On Python 3.11 (our floor) wait_for loses a cancel that arrives in the same loop step as the
end of what it waits for: the caller goes on as if never cancelled. A stop word that met the
end of a reply's playback did exactly that (satellite/devices/playback_stream.py, seen in CI);
a service being stopped while a retry or an event wait ended would run on. asyncio.timeout
cancels the waiting task itself and never swallows a cancel it did not cause.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_code_size import PACKAGES, ROOT


def wait_for_calls(path: Path) -> list[int]:
    """Lines of the module that call asyncio.wait_for."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "wait_for"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "asyncio"
    ]


def test_no_package_waits_with_asyncio_wait_for() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in wait_for_calls(path)
    ]
    assert found == [], "use `async with asyncio.timeout(...)` (see this module's docstring)"


def test_the_check_finds_a_call_and_nothing_else(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "import asyncio\n"
        "async def f(e):\n"
        "    async with asyncio.timeout(1):\n"
        "        await e.wait()\n"
        "    await asyncio.wait_for(e.wait(), 1)\n"
        "    await wait_for(e.wait(), 1)\n"
    )
    assert wait_for_calls(module) == [5]
