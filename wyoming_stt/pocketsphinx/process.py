"""The pocketsphinx decoder, run in its own process.

pocketsphinx holds the GIL while it decodes, so in a thread it would stall the event loop for
seconds (describe and ping would wait). In a child process it cannot; the parent's worker
thread only waits on a pipe (decoder_processes.py). The messages are in messages.py; the
shifted copies of the rejection check may be decoded by a copy process (copies.py).
"""

from __future__ import annotations

import itertools
import re
import signal
import time
from collections import OrderedDict
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from multiprocessing.connection import Connection
from typing import Any

from .copies import COPY_PROCESS_FACTORS, CopyProcess
from .grammar import Grammar, WordLookup, build_grammar, spoken_form
from .messages import DecodeJob, DecodeReply, DecoderReady, DecoderSetup
from .pronounce import Pronouncer, acronyms
from .rejection import (
    Confidence,
    add_phone_loop,
    judge,
    log_score,
    phone_loop,
    resampled,
)

SAMPLE_RATE = 16000
# Synthetic or tightly cut clips end mid-phone; silence around the audio lets the decoder
# reach the grammar's final state (measured: WER 28% without, 1.2% with on the test set).
PAD_SECONDS = 0.25
# No decoding without a run of speech this long (WebRTC VAD, medium-strict): silence and
# clicks give an empty transcript instead of a hallucinated word.
MIN_SPEECH_SECONDS = 0.2
VAD_FRAME_SECONDS = 0.03
MAX_CACHED_GRAMMARS = 8
MAX_REQUEST_NAMES = 100
"""New names of one request (transcript_names the setup lacks) that join its grammar, the
first ones as sent: the grammar is built while every other request waits (about 1 s for 100
names of unknown words on a 2-core CPU; 1000 took 7 s and 500 MB per decoder process)."""
COPIES_START_SECONDS = 60.0
"""How long the decoder waits for its copy process to build the grammar."""
# Language-model search settings for speed (CMU's embedded tuning): about 4x faster than the
# defaults on the command test set with no loss in word error rate.
FAST_LM_SETTINGS: dict[str, Any] = {
    "fwdflat": False,
    "maxhmmpf": 3000,
    "maxwpf": 5,
    "pl_window": 10,
}
# Wider beams for the grammar and phone-loop searches than pocketsphinx's defaults (1e-48,
# 7e-29, 1e-48), which are tuned for speed with its language model: in noise they pruned the
# right path. On bench stt's tuning set (built-in grammar, the house's names, with rejection):
# command WER 44 -> 39 %, exact 28 -> 31 of 60, false commands 17 -> 7, wrong transcripts
# that came out empty 78 -> 90 %; before rejection 29 -> 15 %. Wider still (1e-80) rejected
# more right ones.
GRAMMAR_SEARCH_SETTINGS: dict[str, Any] = {"beam": 1e-60, "wbeam": 1e-40, "pbeam": 1e-60}
# Pronunciations the CMU dictionary lacks: "off" with the vowel of "on" (the cot-caught
# merger of much of North America). Without it "off" was often heard as "on" (built-in
# grammar with names: 5 of the 73 test commands, 1 with it; exact-transcript grammar: 2, 1).
EXTRA_PRONUNCIATIONS = {"off(2)": "AA F"}
_NOT_SPOKEN = re.compile(r"<[^>]*>|\[[^\]]*\]|\(\d+\)")


class SphinxDecoder:
    """pocketsphinx Decoder with a base search and per-request grammars (child side)."""

    def __init__(self, setup: DecoderSetup, copies: CopyProcess | None = None) -> None:
        from pocketsphinx import Decoder, Vad

        self._setup = setup
        self._copies = copies
        self._known = {spoken_form(n) for n in (*setup.names, *setup.areas)}
        # Load the dictionary only first: the large language model is needed only without
        # a grammar. No lattice rescoring with a grammar: faster, and it kept results inside
        # the grammar on the test set (WER 0.5% instead of 1.2%).
        probe = Decoder(lm=None, loglevel="FATAL", bestpath=False, **GRAMMAR_SEARCH_SETTINGS)
        for word, phones in EXTRA_PRONUNCIATIONS.items():
            probe.add_word(word, phones, False)
        self._pronouncer = Pronouncer(
            probe.lookup_word, acronym_words=acronyms((*setup.names, *setup.areas))
        )
        grammar = self._grammar((), probe.lookup_word)
        if grammar is None:
            self._decoder = Decoder(loglevel="FATAL", **FAST_LM_SETTINGS)
            self._base_search = str(self._decoder.current_search())
            self.ready = DecoderReady("language-model", 0, 0, (), _sphinx_version())
        else:
            self._decoder = probe
            self._base_search = "commands"
            self._add_grammar(self._base_search, grammar)
            add_phone_loop(self._decoder)
            self.ready = DecoderReady(
                "grammar",
                grammar.phrase_count,
                grammar.name_count,
                grammar.dropped_words,
                _sphinx_version(),
                grammar.area_count,
                grammar.skipped_phrases,
                tuple(f"{w}: {how}" for w, how in sorted(self._pronouncer.derived.items())),
            )
        self._decoder.activate_search(self._base_search)
        self._vad = Vad(Vad.MEDIUM_STRICT, SAMPLE_RATE, VAD_FRAME_SECONDS)
        self._grammars: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._grammar_count = 0

    def _grammar(self, extra: tuple[str, ...], lookup: WordLookup) -> Grammar | None:
        """The setup's grammar, with a client's names: entities or areas of any domain."""
        setup = self._setup
        return build_grammar(
            setup.templates,
            (*setup.names, *extra),
            lookup,
            areas=(*setup.areas, *extra),
            derive=self._pronouncer.derive,
            domains=setup.domains,
        )

    def _add_grammar(self, name: str, grammar: Grammar) -> None:
        for word, phones in grammar.new_words.items():
            # update=False: the words are for the new search, which reads the dictionary when
            # it is added; True re-initialised the active search once per word (2 of the 4 s
            # for 200 names of unknown words).
            if self._decoder.lookup_word(word) is None:
                self._decoder.add_word(word, phones, False)
                second = self._pronouncer.alternatives.get(f"{word}(2)")
                if second is not None:
                    self._decoder.add_word(f"{word}(2)", second, False)
        graph = grammar.graph
        # create_fsg takes an empty transition as a 3-tuple.
        transitions = [t if t[3] is not None else t[:3] for t in graph.transitions]
        fsg = self._decoder.create_fsg(name, graph.start, graph.final, transitions)
        self._decoder.add_fsg(name, fsg)

    def _search_for(self, names: tuple[str, ...]) -> str:
        # A name the setup has (as an entity or an area, in any spelling) keeps its place: a
        # client's "kitchen" must not make the Kitchen area something to open or dim.
        unknown = (n for n in dict.fromkeys(names) if spoken_form(n) not in self._known)
        extra = tuple(sorted(itertools.islice(unknown, MAX_REQUEST_NAMES)))
        if not extra or self.ready.mode != "grammar":
            return self._base_search
        if extra in self._grammars:
            self._grammars.move_to_end(extra)
            return self._grammars[extra]
        self._pronouncer.acronym_words |= acronyms(extra)
        grammar = self._grammar(extra, self._decoder.lookup_word)
        if grammar is None:
            return self._base_search
        self._grammar_count += 1
        name = f"request{self._grammar_count}"
        self._add_grammar(name, grammar)
        self._grammars[extra] = name
        if len(self._grammars) > MAX_CACHED_GRAMMARS:
            _old, old_name = self._grammars.popitem(last=False)
            self._decoder.remove_search(old_name)
        return name

    def has_speech(self, pcm: bytes) -> bool:
        """True when the audio holds a run of speech of at least MIN_SPEECH_SECONDS."""
        frame_bytes = int(self._vad.frame_bytes)
        needed = max(1, round(MIN_SPEECH_SECONDS / float(self._vad.frame_length)))
        run = 0
        for start in range(0, len(pcm) - frame_bytes + 1, frame_bytes):
            if self._vad.is_speech(pcm[start : start + frame_bytes]):
                run += 1
                if run >= needed:
                    return True
            else:
                run = 0
        return False

    def decode(self, job: DecodeJob) -> tuple[str, Confidence | None]:
        """Transcript of one utterance ("" for no speech or no phrase of the grammar), and
        the grammar's confidence (None with the language model)."""
        if not job.skip_vad and not self.has_speech(job.pcm):
            return "", None
        # Both passes start from the same cepstral mean, so the confidence does not depend on
        # what the decoder heard before; afterwards it goes on from the grammar pass's mean.
        grammar_pass = self.ready.mode == "grammar" and not job.skip_vad
        copy_job = self._copies.begin(job.pcm, job.names) if grammar_pass and self._copies else None
        mean_before = self._decoder.get_cmn()
        phone_score = phone_loop(self._decoder, _padded(job.pcm)) if grammar_pass else 0.0
        self._decoder.set_cmn(mean_before)
        search = self._search_for(job.names)
        text, hyp = self._phrase(search, _padded(job.pcm))
        if not grammar_pass or not text or hyp is None:
            return text, None
        grammar_score, frames = log_score(hyp.score), int(self._decoder.n_frames())
        verdict = judge(
            text,
            grammar_score,
            phone_score=phone_score,
            frames=frames,
            decode_copy=lambda factor: self._copy(job, copy_job, factor),
        )
        return ("" if verdict.rejected else text), verdict

    def _copy(self, job: DecodeJob, copy_job: int | None, factor: float) -> str:
        """A copy's phrase: from the copy process when it has that one, else decoded here."""
        if copy_job is not None and self._copies is not None and factor in COPY_PROCESS_FACTORS:
            text = self._copies.phrase(copy_job, factor)
            if text is not None:
                return text
        return self.copy_phrase(job.pcm, job.names, factor)

    def copy_phrase(self, pcm: bytes, names: tuple[str, ...], factor: float) -> str:
        """The grammar's phrase for the audio played `factor` times faster."""
        return self._phrase(self._search_for(names), _padded(resampled(pcm, factor)))[0]

    def _phrase(self, search: str, audio: bytes) -> tuple[str, Any]:
        """The grammar's phrase for the audio (spoken words only) and its hypothesis."""
        self._decoder.activate_search(search)
        self._decoder.start_utt()
        self._decoder.process_raw(audio, full_utt=True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        return " ".join(_NOT_SPOKEN.sub(" ", hyp.hypstr if hyp is not None else "").split()), hyp


def _padded(pcm: bytes) -> bytes:
    """Silence around the audio (see PAD_SECONDS)."""
    pad = b"\0\0" * int(SAMPLE_RATE * PAD_SECONDS)
    return pad + pcm + pad


def decoder_main(
    conn: Connection, setup: DecoderSetup, copies_conn: Connection | None = None
) -> None:
    """Child process entry: answer DecodeJobs until None or the pipe closes (copies_conn: the
    pipe to a copy process, see copies.py)."""
    # Ctrl+C reaches the whole process group; the parent decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    copies = CopyProcess(copies_conn) if copies_conn is not None else None
    try:
        decoder = SphinxDecoder(setup, copies)
    except Exception as err:  # reported to the parent, which fails its load
        conn.send(DecodeReply("", error=f"pocketsphinx failed to start: {err}"))
        return
    with_copies = copies is not None and copies.wait_ready(COPIES_START_SECONDS)
    conn.send(replace(decoder.ready, copy_process=with_copies))
    while True:
        try:
            job: Any = conn.recv()
        except (EOFError, OSError):
            return
        if not isinstance(job, DecodeJob):
            return
        started = time.monotonic()
        try:
            text, score = decoder.decode(job)
            reply = DecodeReply(text, seconds=time.monotonic() - started, confidence=score)
        except Exception as err:  # one bad utterance must not end the process
            reply = DecodeReply("", error=f"pocketsphinx failed: {err}")
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _sphinx_version() -> str | None:
    try:
        return version("pocketsphinx")
    except PackageNotFoundError:
        return None
