"""The messages between the engine, the decoder process and the copy process (pickled over
pipes): small frozen dataclasses, no behaviour beyond what they hold."""

from __future__ import annotations

from dataclasses import dataclass

from .rejection import Confidence


@dataclass(frozen=True)
class DecoderSetup:
    """Sent once at start: the command phrases, names, areas and domains of the base grammar.

    No phrases: the general English language model.
    """

    templates: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()
    """(name, Home Assistant domain) where known: for the typed slots (name_slots.py)."""


@dataclass(frozen=True)
class DecoderReady:
    """The child's answer to a setup: which search it uses."""

    mode: str
    """`grammar` or `language-model`."""
    phrase_count: int
    name_count: int
    dropped_words: tuple[str, ...]
    version: str | None
    area_count: int = 0
    skipped_phrases: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    """Words whose pronunciation was made here, with how (`hvac: letters + espeak-ng`)."""
    copy_process: bool = False
    """Whether a second process decodes the shifted copies (copies.py)."""


@dataclass(frozen=True)
class DecodeJob:
    """One utterance: 16-bit mono PCM at 16 kHz, plus extra names for this request."""

    pcm: bytes
    names: tuple[str, ...] = ()
    skip_vad: bool = False


@dataclass(frozen=True)
class DecodeReply:
    """The transcript, or why there is none."""

    text: str
    error: str | None = None
    seconds: float = 0.0
    confidence: Confidence | None = None
    """The grammar's confidence (see rejection.py); when it rejects, text is empty."""


@dataclass(frozen=True)
class CopyJob:
    """To the copy process: one utterance (16-bit PCM, 16 kHz) and the request's names."""

    number: int
    pcm: bytes
    names: tuple[str, ...]


@dataclass(frozen=True)
class CopyReply:
    """The grammar's phrase for one copy of job `number` ("" with `error` when it failed)."""

    number: int
    factor: float
    text: str
    error: str | None = None


@dataclass(frozen=True)
class CopiesReady:
    """The copy process has built its grammar."""
