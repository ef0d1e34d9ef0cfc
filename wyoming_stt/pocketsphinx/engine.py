"""The embedded engine: pocketsphinx (its en-us model ships in the wheel; nothing to download).

It recognises commands through a grammar (fast and accurate for what it knows; anything else
comes out as the closest known phrase): the phrases of --phrases-file, else the built-in
smart-home commands, with names from --names-file and Home Assistant. --general-model uses
pocketsphinx's general English language model instead (any words, slow and loose).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wyoming_common.audio import float_to_pcm16
from wyoming_common.errors import EngineError
from wyoming_common.worker import CancelToken

from ..biasing import read_list_file
from ..engines import (
    SAMPLE_RATE,
    ModelCard,
    TranscriptionRequest,
    TranscriptSegment,
    Vocabulary,
)
from ..names_file import read_names_file
from .decoder_processes import DecoderProcesses
from .default_grammar import default_areas, default_names, default_templates
from .messages import DecodeJob, DecodeReply, DecoderReady, DecoderSetup
from .process import MAX_REQUEST_NAMES

_LOGGER = logging.getLogger(__name__)

LANGUAGE = "en"
WARM_UP_SECONDS = 0.5


@dataclass(frozen=True)
class PocketsphinxOptions:
    """Where the command phrases and names come from."""

    phrases_file: Path | None = None
    """Your phrases; None: the built-in commands."""
    names_file: Path | None = None
    general_model: bool = False
    """The general English language model instead of a grammar."""
    start_timeout: float = 60.0


class PocketsphinxTranscriber:
    """Transcriber that talks to a pocketsphinx decoder process."""

    engine_name = "pocketsphinx"
    streams_partial_text = False
    max_batch = 1

    def __init__(self, options: PocketsphinxOptions) -> None:
        self.options = options
        self._setup = DecoderSetup()
        self._processes: DecoderProcesses | None = None
        self._ready: DecoderReady | None = None
        self._card: ModelCard | None = None
        self._lock = threading.Lock()
        self._vocabulary = Vocabulary()

    @property
    def card(self) -> ModelCard:
        """The loaded model."""
        if self._card is None:
            raise EngineError("pocketsphinx is not loaded")
        return self._card

    @property
    def mode(self) -> str:
        """`grammar` or `language-model` (after load)."""
        return self._ready.mode if self._ready is not None else ""

    def load(self) -> ModelCard:
        """Gather phrases and names, start the decoder process, warm it up. Blocking."""
        self._setup, source, origins = self._decoder_setup()
        with self._lock:
            ready = self._start()
        if ready.dropped_words:
            _LOGGER.warning(
                "pocketsphinx: no pronunciation for %s; phrases and names using them are left out",
                ", ".join(ready.dropped_words),
            )
        if ready.derived:
            _LOGGER.debug(
                "pocketsphinx: pronunciations made for words the dictionary lacks: %s",
                "; ".join(ready.derived),
            )
        for phrase in ready.skipped_phrases:
            _LOGGER.warning("pocketsphinx: phrase left out: %s", phrase)
        if ready.mode == "grammar":
            what = (
                f"{source} ({ready.phrase_count} phrases, {ready.name_count} names, "
                f"{ready.area_count} areas{'; names: ' + origins if origins else ''})"
            )
        elif self.options.general_model:
            what = "its general English language model (--general-model)"
        else:
            what = f"its general English language model (nothing usable in {source})"
        _LOGGER.info("pocketsphinx: recognising with %s", what)
        if ready.copy_process:
            _LOGGER.info("pocketsphinx: the shifted copies are decoded in a second process")
        warm_up = np.zeros(int(SAMPLE_RATE * WARM_UP_SECONDS), dtype=np.float32)
        self._call(DecodeJob(float_to_pcm16(warm_up), skip_vad=True), CancelToken())
        self._card = ModelCard(
            name="pocketsphinx-en-us",
            description=f"CMU PocketSphinx en-us with {what}",
            languages=(LANGUAGE,),
            attribution_name="CMU Sphinx",
            attribution_url="https://github.com/cmusphinx/pocketsphinx",
            version=ready.version,
            default_language=LANGUAGE,
        )
        return self._card

    def _decoder_setup(self) -> tuple[DecoderSetup, str, str]:
        """The decoder's phrases, names and areas; for the log, the grammar and the names."""
        opts = self.options
        if opts.general_model:
            if opts.phrases_file or opts.names_file or self._vocabulary.everything:
                _LOGGER.info("pocketsphinx: --general-model uses no phrases or names")
            return DecoderSetup(), "--general-model", ""
        listed = read_names_file(opts.names_file) if opts.names_file else Vocabulary()
        hass = self._vocabulary
        # {name}: anything that can be addressed (areas too); {area}: places; the typed slots:
        # the names of the domains a verb acts on (name_slots.py). The generic device and room
        # words stand in only until the house's own names are known: once they are, a generic
        # word is a way to mishear ("start the dishwasher" in a house without one) that Home
        # Assistant cannot act on. Measured on bench stt's tuning set (built-in grammar, with
        # rejection): command WER 54 -> 44 %, exact 21 -> 28 of 60.
        generic = not (listed.everything or hass.everything) and not opts.phrases_file
        origins = ["generic device and room words"] if generic else []
        if listed.everything:
            origins.append(f"{len(listed.everything)} from --names-file")
        if hass.everything:
            origins.append(f"{len(hass.everything)} from Home Assistant")
        if opts.phrases_file:
            templates = read_list_file(opts.phrases_file)
            source = f"the command grammar of {opts.phrases_file}"
        else:
            templates, source = default_templates(), "the built-in command grammar"
        house = listed.joined(hass)
        setup = DecoderSetup(
            templates=templates,
            names=(*(default_names() if generic else ()), *house.names),
            areas=(*(default_areas() if generic else ()), *house.areas),
            domains=house.domains,
        )
        return setup, source, ", ".join(origins)

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Names from Home Assistant: the grammar is rebuilt (a new decoder process) if loaded."""
        if vocabulary == self._vocabulary:
            return
        self._vocabulary = vocabulary
        if self._card is None:
            return
        setup, _source, _origins = self._decoder_setup()
        with self._lock:
            self._setup = setup
            self._stop_process()
            ready = self._start()
        _LOGGER.info(
            "pocketsphinx: grammar rebuilt with %d names and %d areas from Home Assistant",
            ready.name_count,
            ready.area_count,
        )
        _LOGGER.debug(
            "pocketsphinx: names %s; areas %s",
            ", ".join(setup.names) or "none",
            ", ".join(setup.areas) or "none",
        )

    def transcribe_batch(
        self, requests: Sequence[TranscriptionRequest], token: CancelToken
    ) -> list[list[TranscriptSegment]]:
        """One segment with the whole transcript per request, one request after the other."""
        results: list[list[TranscriptSegment]] = []
        for request in requests:
            if request.language and request.language != LANGUAGE:
                _LOGGER.debug("pocketsphinx only knows English; asked for %s", request.language)
            if len(request.names) > MAX_REQUEST_NAMES:
                _LOGGER.warning(
                    "pocketsphinx: a request sent %d names; the first %d the house lacks join "
                    "its grammar, the others are left out",
                    len(request.names),
                    MAX_REQUEST_NAMES,
                )
            job = DecodeJob(pcm=float_to_pcm16(request.audio), names=request.names)
            reply = self._call(job, token)
            text = reply.text if reply is not None else ""
            if reply is not None and reply.confidence is not None:
                _LOGGER.debug("pocketsphinx: confidence %s", reply.confidence.describe())
            results.append([TranscriptSegment(text=text, language=LANGUAGE)])
        return results

    def _call(self, job: DecodeJob, token: CancelToken) -> DecodeReply | None:
        """Send a job and wait for the reply; None when cancelled (the processes are replaced:
        a decoder cannot be interrupted)."""
        with self._lock:
            if self._processes is None or not self._processes.alive:
                self._stop_process()
                self._start()
            assert self._processes is not None
            reply = self._processes.call(job, token)
            if reply is None:
                self._stop_process(graceful=False)
                self._start()
            return reply

    def _start(self) -> DecoderReady:
        """Start the decoder process (and its copy process); its DecoderReady (lock held)."""
        self._processes = DecoderProcesses(self._setup, self.options.start_timeout)
        self._ready = self._processes.start()
        return self._ready

    def _stop_process(self, *, graceful: bool = True) -> None:
        """End the decoder process and its copy process (lock held)."""
        if self._processes is not None:
            self._processes.stop(graceful=graceful)
        self._processes = None

    def close(self) -> None:
        """Stop the decoder process."""
        with self._lock:
            self._stop_process()
