"""The engine's side of the pocketsphinx processes: start them, send a job, stop them.

The decoder process (process.py) answers DecodeJobs; with two or more usable CPUs a copy
process (copies.py) beside it decodes the shifted copies of the rejection check. Both hold one
DecoderSetup; a new grammar means new processes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from wyoming_common.cpus import usable_cpus
from wyoming_common.errors import EngineError
from wyoming_common.worker import CancelToken

from .copies import copies_main
from .messages import DecodeJob, DecodeReply, DecoderReady, DecoderSetup
from .process import decoder_main

POLL_SECONDS = 0.02


class DecoderProcesses:
    """The decoder process (and its copy process) of one setup. Not thread-safe: the engine
    calls it under its lock."""

    def __init__(self, setup: DecoderSetup, start_timeout: float) -> None:
        self._setup = setup
        self._start_timeout = start_timeout
        self._process: BaseProcess | None = None
        self.copy_process: BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def alive(self) -> bool:
        return self._conn is not None and self._process is not None and self._process.is_alive()

    def start(self) -> DecoderReady:
        """Start the processes and wait for the decoder's DecoderReady."""
        context = multiprocessing.get_context("spawn")
        parent_conn, child_conn = context.Pipe()
        copies_conn = None
        if self._setup.templates and len(usable_cpus()) >= 2:
            copies_conn, copies_child = context.Pipe()
            self.copy_process = context.Process(
                target=copies_main,
                args=(copies_child, self._setup),
                name="wyoming-stt-pocketsphinx-copies",
                daemon=True,
            )
            self.copy_process.start()
            copies_child.close()
        process = context.Process(
            target=decoder_main,
            args=(child_conn, self._setup, copies_conn),
            name="wyoming-stt-pocketsphinx",
            daemon=True,
        )
        process.start()
        child_conn.close()
        if copies_conn is not None:
            copies_conn.close()  # the decoder process holds its own end now
        self._process, self._conn = process, parent_conn
        try:
            return self._first_answer(parent_conn)
        except EngineError:
            self.stop()
            raise

    def _first_answer(self, conn: Connection) -> DecoderReady:
        try:
            if not conn.poll(self._start_timeout):
                raise EngineError("pocketsphinx did not start in time")
            answer = conn.recv()
        except (EOFError, OSError) as err:
            raise EngineError(f"pocketsphinx process failed to start: {err}") from err
        if isinstance(answer, DecodeReply):
            raise EngineError(answer.error or "pocketsphinx failed to start")
        if not isinstance(answer, DecoderReady):
            raise EngineError(f"unexpected answer from pocketsphinx: {answer!r}")
        return answer

    def call(self, job: DecodeJob, token: CancelToken) -> DecodeReply | None:
        """Send a job and wait for the reply; None when cancelled (the caller restarts us:
        the decoder cannot be interrupted)."""
        conn, process = self._conn, self._process
        if conn is None or process is None:
            raise EngineError("the pocketsphinx process is not running")
        try:
            conn.send(job)
            while not conn.poll(POLL_SECONDS):
                if token.cancelled:
                    return None
                if not process.is_alive():
                    raise EngineError("the pocketsphinx process ended unexpectedly")
            reply = conn.recv()
        except (EOFError, OSError) as err:
            self.stop()
            raise EngineError(f"lost the pocketsphinx process: {err}") from err
        if not isinstance(reply, DecodeReply):
            raise EngineError(f"unexpected reply from pocketsphinx: {reply!r}")
        if reply.error:
            raise EngineError(reply.error)
        return reply

    def stop(self, *, graceful: bool = True) -> None:
        """End both processes (graceful: let the decoder finish its loop first)."""
        conn, process, copy_process = self._conn, self._process, self.copy_process
        self._conn, self._process, self.copy_process = None, None, None
        if copy_process is not None and copy_process.is_alive():
            copy_process.kill()  # it holds nothing worth a graceful end
            copy_process.join(2.0)
        if conn is not None:
            if graceful:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
            conn.close()
        if process is not None:
            if graceful:
                process.join(0.5)
            if process.is_alive():
                process.kill()
                process.join(2.0)
