"""The shifted copies of the stability check, decoded in a second process at the same time.

pocketsphinx holds the GIL while it decodes, so a second decode at the same time needs a second
process. With two or more CPUs the engine starts one beside the decoder process, with the same
grammar; the decoder process sends it each utterance as soon as it has one, and it decodes
the copies it is given (COPY_PROCESS_FACTORS) while the decoder runs the phone loop, the
grammar pass and the remaining copy itself. The verdicts are exactly those of decoding one
copy after the other (judge asks for the copies in the same order); only the waiting is shorter
(about 0.9 → 0.55 s on a 2-core VM for a transcript that is accepted).

A job the decoder no longer needs (a verdict reached early, or a rejected utterance) is dropped
by the copy process when the next job arrives. If the copy process fails, the decoder decodes
the copies itself.
"""

from __future__ import annotations

import signal
from multiprocessing.connection import Connection
from typing import Any

from .messages import CopiesReady, CopyJob, CopyReply, DecoderSetup
from .rejection import PERTURBATIONS

COPY_PROCESS_FACTORS = (PERTURBATIONS[0], PERTURBATIONS[1], PERTURBATIONS[3])
"""The copies the copy process decodes, in this order; the decoder process decodes the other
(the third asked for) while the copy process is on the fourth."""
REPLY_TIMEOUT_SECONDS = 30.0
"""A copy process that does not answer in this time is given up (the decoder takes over)."""


class CopyProcess:
    """The decoder process's end: sends utterances, waits for the copies' phrases."""

    def __init__(self, conn: Connection) -> None:
        self._conn: Connection | None = conn
        self._number = 0

    @property
    def alive(self) -> bool:
        return self._conn is not None

    def wait_ready(self, timeout: float) -> bool:
        """Whether the copy process built its grammar in time (else it is given up)."""
        conn = self._conn
        try:
            if conn is not None and conn.poll(timeout) and isinstance(conn.recv(), CopiesReady):
                return True
        except (EOFError, OSError):
            pass
        self._give_up()
        return False

    def begin(self, pcm: bytes, names: tuple[str, ...]) -> int | None:
        """Send an utterance; its job number (None: no copy process)."""
        if self._conn is None:
            return None
        self._number += 1
        try:
            # Replies left from earlier utterances (copies a verdict did not need) are stale:
            # read them now, or the pipe would fill and both processes wait on each other.
            while self._conn.poll():
                self._conn.recv()
            self._conn.send(CopyJob(self._number, pcm, names))
        except (EOFError, OSError, ValueError):
            self._give_up()
            return None
        return self._number

    def phrase(self, number: int, factor: float) -> str | None:
        """The phrase of that copy (None: the copy process failed; decode it yourself)."""
        conn = self._conn
        try:
            while conn is not None and conn.poll(REPLY_TIMEOUT_SECONDS):
                reply = conn.recv()
                if not isinstance(reply, CopyReply) or reply.error:
                    break
                if reply.number == number and reply.factor == factor:
                    return reply.text
                # A copy of an earlier utterance, or one this verdict did not need: skip it.
        except (EOFError, OSError):
            pass
        self._give_up()
        return None

    def _give_up(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


def copies_main(conn: Connection, setup: DecoderSetup) -> None:
    """Copy process entry: decode the copies of each CopyJob; a newer job replaces an older."""
    from .process import SphinxDecoder

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        decoder = SphinxDecoder(setup)
    except Exception:  # the decoder process sees the pipe close and decodes copies itself
        return
    if decoder.ready.mode != "grammar":
        return  # nothing compiled: the general language model has no copies to decode
    try:
        conn.send(CopiesReady())
        job: Any = conn.recv()
        while isinstance(job, CopyJob):
            newer = None
            for factor in COPY_PROCESS_FACTORS:
                if conn.poll():  # the decoder has moved on to the next utterance
                    newer = conn.recv()
                    break
                try:
                    text = decoder.copy_phrase(job.pcm, job.names, factor)
                    reply = CopyReply(job.number, factor, text)
                except Exception as err:  # reported; the decoder takes over
                    reply = CopyReply(job.number, factor, "", error=str(err))
                conn.send(reply)
            job = newer if newer is not None else conn.recv()
    except (EOFError, OSError):
        return
