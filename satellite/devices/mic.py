"""Microphone sources: an ALSA command pipe (arecord) or WAV files played as a microphone."""

from __future__ import annotations

import asyncio
import logging
import shlex
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, read_wav

from ..errors import AudioDeviceError
from .processes import last_line, stop_process

_LOGGER = logging.getLogger(__name__)

CHUNK_SAMPLES = 1024  # 64 ms at 16 kHz


@dataclass(frozen=True)
class RawAudio:
    """A block of microphone audio in the source's own format."""

    audio: bytes
    fmt: AudioFormat


class Microphone(Protocol):
    """A source of audio; `open()` yields blocks until the device fails or ends."""

    @property
    def description(self) -> str:
        """Where the audio comes from, for logs."""
        ...

    def open(self) -> AsyncIterator[RawAudio]:
        """Start capturing; raises AudioDeviceError when the device fails."""
        ...


class CommandMicrophone:
    """Reads raw 16-bit PCM from a program's stdout (arecord by default); no PulseAudio needed."""

    def __init__(self, command: str, fmt: AudioFormat, chunk_samples: int = CHUNK_SAMPLES) -> None:
        self.command = shlex.split(command)
        if not self.command:
            raise AudioDeviceError("empty microphone command")
        self.fmt = fmt
        self.chunk_bytes = chunk_samples * fmt.bytes_per_frame

    @property
    def description(self) -> str:
        """The command line."""
        return shlex.join(self.command)

    async def open(self) -> AsyncIterator[RawAudio]:
        """Run the command and yield its audio until it exits."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            raise AudioDeviceError(f"cannot start {self.command[0]}: {err}") from err
        assert proc.stdout is not None and proc.stderr is not None
        try:
            while True:
                try:
                    data = await proc.stdout.readexactly(self.chunk_bytes)
                except asyncio.IncompleteReadError as err:
                    if err.partial:
                        yield RawAudio(err.partial, self.fmt)
                    break
                yield RawAudio(data, self.fmt)
            stderr = last_line(await proc.stderr.read(4000))
            code = await proc.wait()
            raise AudioDeviceError(
                f"{self.command[0]} exited with {code}" + (f": {stderr}" if stderr else "")
            )
        finally:
            await stop_process(proc)


class WavMicrophone:
    """Plays WAV files as if spoken into a microphone, in real time, then endless silence.

    For tests and demos: the rest of the satellite cannot tell it from a real microphone.
    `speed` > 1 plays faster than real time; `enqueue` adds more speech at run time.
    """

    def __init__(
        self,
        files: Sequence[Path] = (),
        *,
        speed: float = 1.0,
        chunk_samples: int = CHUNK_SAMPLES,
    ) -> None:
        self.fmt = STT_FORMAT
        self.speed = speed
        self.chunk_bytes = chunk_samples * STT_FORMAT.bytes_per_frame
        self._pending = bytearray()
        self._offset = 0
        self._names = [str(f) for f in files]
        for path in files:
            pcm, fmt = read_wav(path)
            self.enqueue(convert_pcm(pcm, fmt.validate(), STT_FORMAT))

    @property
    def description(self) -> str:
        """The files played."""
        return "WAV " + (", ".join(self._names) or "(silence)")

    def enqueue(self, pcm: bytes) -> None:
        """Queue 16 kHz mono 16-bit audio to be 'spoken' after what is already queued."""
        if self._offset:
            del self._pending[: self._offset]
            self._offset = 0
        self._pending.extend(pcm)

    def _next_chunk(self) -> bytes | None:
        if self._offset >= len(self._pending):
            return None
        end = self._offset + self.chunk_bytes
        chunk = bytes(self._pending[self._offset : end])
        self._offset = min(end, len(self._pending))
        return chunk.ljust(self.chunk_bytes, b"\0")

    async def open(self) -> AsyncIterator[RawAudio]:
        """Yield chunks paced like a real device."""
        period = STT_FORMAT.seconds(self.chunk_bytes) / self.speed
        started = time.monotonic()
        count = 0
        silence = bytes(self.chunk_bytes)
        while True:
            chunk = self._next_chunk() or silence
            count += 1
            delay = started + count * period - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:  # the consumer stalled: do not burst to catch up
                started, count = time.monotonic(), 0
            yield RawAudio(chunk, self.fmt)
