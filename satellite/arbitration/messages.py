"""The datagrams satellites exchange to arbitrate a wake word (small JSON, one per packet).

claim  — "I heard WORD with evidence VALUE" (sent by each satellite whose detector fired);
status — "I did not (yet) hear it; the best I could still reach is BOUND" (the answer of a
         satellite that did not detect, so the claimant need not wait for the window's end).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

VERSION = 1
MAX_DATAGRAM = 1024
KINDS = ("claim", "status")


@dataclass(frozen=True)
class ArbitrationMessage:
    """One datagram; `value` is the claim's evidence or the status's best possible evidence."""

    kind: str
    group: str
    sender: str
    word: str
    round: str
    value: float

    def encode(self) -> bytes:
        """The datagram."""
        return json.dumps({"v": VERSION, **asdict(self)}, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> ArbitrationMessage | None:
        """A valid message, or None for anything else (other programs, garbage, other versions)."""
        if len(data) > MAX_DATAGRAM:
            return None
        try:
            raw: Any = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        if not isinstance(raw, dict) or raw.get("v") != VERSION or raw.get("kind") not in KINDS:
            return None
        texts = [raw.get(key) for key in ("group", "sender", "word", "round")]
        value = raw.get("value")
        if not all(isinstance(t, str) and 0 < len(t) <= 128 for t in texts):
            return None
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            return None
        group, sender, word, round_id = (str(t) for t in texts)
        return cls(raw["kind"], group, sender, word, round_id, float(value))


def beats(value: float, sender: str, other_value: float, other_sender: str) -> bool:
    """Whether (value, sender) wins over the other: more evidence; ties go to the lower id."""
    if value != other_value:
        return value > other_value
    return sender < other_sender
