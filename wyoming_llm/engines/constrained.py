"""Tool calls decoded over the finite set of calls a turn allows (runs in the worker thread).

When every argument of every allowed tool is an enum, the allowed calls can be listed as JSON
texts. Decoding then needs the model only where the texts differ: the text all remaining calls
share is appended as a batch (prompt-speed evaluation, no sampling), and at each fork the
model's most likely token among those that keep the text on some allowed call is taken. A call
of ~25 tokens costs a handful of forks instead of 25 sampled tokens under a grammar.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import Any

from wyoming_common.worker import CancelToken

from .base import GenerationStats, Toolbox

MAX_CANDIDATES = 5000


def call_texts(toolbox: Toolbox, limit: int = MAX_CANDIDATES) -> list[bytes] | None:
    """Every `{"name": tool, "arguments": {...}}` the strict schemas allow, or None when a
    property is not an enum or there are more than `limit`."""
    texts: list[bytes] = []
    for spec in toolbox.specs:
        schema = spec.strict_parameters or spec.parameters
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        choices: list[list[Any]] = []
        for key, prop in properties.items():
            if "enum" not in prop:
                return None
            values = [(key, value) for value in prop["enum"]]
            choices.append(values if key in required else [None, *values])
        size = 1
        for options in choices:
            size *= len(options)
        if len(texts) + size > limit:
            return None
        for combination in itertools.product(*choices):
            arguments = dict(pair for pair in combination if pair is not None)
            call = {"name": spec.name, "arguments": arguments}
            texts.append(json.dumps(call, ensure_ascii=False).encode("utf-8"))
    return texts


class TokenIndex:
    """The vocabulary by token bytes: which tokens spell the start of a text."""

    def __init__(self, llm: Any) -> None:
        self.by_bytes: dict[bytes, int] = {}
        self.pieces: dict[int, bytes] = {}
        self.call_starts: set[int] = set()  # tokens that begin a call written as text
        model = llm._model
        for token in range(llm.n_vocab()):
            piece = bytes(model.token_to_piece(token, special=False)).rstrip(b"\x00")
            if not piece:
                continue
            self.pieces[token] = piece
            if piece.lstrip().startswith((b"{", b"`", b"[", b"<tool")):
                self.call_starts.add(token)
            if piece not in self.by_bytes:
                self.by_bytes[piece] = token
        self.longest = min(48, max((len(p) for p in self.by_bytes), default=1))

    def piece(self, token: int) -> bytes:
        """The bytes of a token."""
        return self.pieces[token]

    def spell(self, text: bytes) -> list[int] | None:
        """Tokens spelling text exactly (longest match first); None when impossible."""
        tokens: list[int] = []
        at = 0
        while at < len(text):
            for size in range(min(self.longest, len(text) - at), 0, -1):
                token = self.by_bytes.get(text[at : at + size])
                if token is not None:
                    tokens.append(token)
                    at += size
                    break
            else:
                return None
        return tokens

    def starting(self, text: bytes) -> Iterator[tuple[int, bytes]]:
        """(token, its bytes) for each token that is a prefix of text."""
        for size in range(1, min(len(text), self.longest) + 1):
            token = self.by_bytes.get(text[:size])
            if token is not None:
                yield token, text[:size]


def _common_prefix(texts: Sequence[bytes]) -> bytes:
    first, last = min(texts), max(texts)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def _forced_part(common: bytes, texts: Sequence[bytes]) -> bytes:
    """The shared text to append without asking the model, cut back to a word boundary when
    the texts go on with letters (the model then picks the word with its own tokens)."""
    if not common:
        return common
    continues = any(len(t) > len(common) and chr(t[len(common)]).isalnum() for t in texts)
    if not continues:
        return common
    cut = len(common)
    while cut > 0 and chr(common[cut - 1]).isalnum():
        cut -= 1
    while cut > 0:  # never split a UTF-8 character
        try:
            common[:cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            cut -= 1
    return common[:cut]


class ChoiceDecoder:
    """Decodes one call over a list of allowed call texts (see the module doc)."""

    def __init__(
        self, llm: Any, index: TokenIndex, stats: GenerationStats, cancel: CancelToken
    ) -> None:
        self.llm = llm
        self.index = index
        self.stats = stats
        self.cancel = cancel

    def _logits(self, pending: list[int]) -> Any:
        import numpy as np

        self.llm.eval(pending)
        row = self.llm._ctx.get_logits_ith(-1)
        return np.ctypeslib.as_array(row, shape=(self.llm.n_vocab(),))

    def _start(self, base: list[int]) -> list[int]:
        """Align the KV cache with base; returns what still needs evaluating."""
        cached = 0
        for old, new in zip(self.llm.input_ids[: self.llm.n_tokens], base, strict=False):
            if old != new:
                break
            cached += 1
        cached = min(cached, len(base) - 1)  # the last token is evaluated for its logits
        self.llm.n_tokens = cached
        return list(base[cached:])

    def _heal(self, piece: list[int] | None, out: bytes, live: list[bytes]) -> list[int] | None:
        """The forced tokens without the last one when a longer token could start there
        (`{` before `"name"` where the model writes `{"`): the model picks that one itself."""
        if not piece:
            return piece
        last = self.index.piece(piece[-1])
        start = len(out) + sum(len(self.index.piece(t)) for t in piece) - len(last)
        for text in live:
            for _token, spelled in self.index.starting(text[start:]):
                if len(spelled) > len(last):
                    return piece[:-1]
        return piece

    def decode(self, base: list[int], texts: list[bytes]) -> tuple[bytes, list[int]] | None:
        """The chosen call text and its tokens, or None when cancelled."""
        pending = self._start(base)
        out = b""
        tokens: list[int] = []
        live = texts
        while not self.cancel.cancelled:
            live = [t for t in live if t.startswith(out)]
            if len(live) == 1 and live[0] == out:
                if pending:
                    self.llm.eval(pending)  # keep the cache whole for a following call
                return out, tokens
            rests = [t[len(out) :] for t in live]
            forced = _forced_part(_common_prefix(rests), rests)
            piece = self._heal(self.index.spell(forced) if forced else None, out, live)
            if piece:
                forced = b"".join(self.index.piece(token) for token in piece)
                pending += piece
                tokens += piece
                out += forced
                self.stats.completion_tokens += len(piece)
                continue
            logits = self._logits(pending)
            options = {tok: text for rest in rests for tok, text in self.index.starting(rest)}
            if not options:
                return None
            choice = max(options, key=lambda tok: float(logits[tok]))
            pending = [choice]
            tokens.append(choice)
            out += options[choice]
            self.stats.completion_tokens += 1
        return None
