"""An append-only JSON-lines record of every action the agent attempted."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)


class AuditLog:
    """Appends one JSON object per action to `path` (time, conversation, speaker, text,
    action, result). Secrets never reach it: entries are built from turn data only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def record(self, **entry: Any) -> None:
        """Append one entry (no-op when auditing is off); write errors are logged, not raised."""
        if self.path is None:
            return
        line = json.dumps(
            {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry},
            ensure_ascii=False,
            default=str,
        )
        async with self._lock:
            try:
                await asyncio.to_thread(self._append, self.path, line)
            except OSError as err:
                _LOGGER.error("Cannot write the audit log %s: %s", self.path, err)

    @staticmethod
    def _append(path: Path, line: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        """All entries of an audit file (for tools and tests)."""
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
