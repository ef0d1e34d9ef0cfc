"""Speakers: an ALSA command pipe (aplay) that plays each sound, converted to its format."""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import AsyncIterator
from typing import Protocol

from voice_pipeline.convert import PcmConverter
from wyoming_common.audio import AudioFormat

from ..errors import AudioDeviceError
from .processes import last_line, stop_process

_LOGGER = logging.getLogger(__name__)


class Speaker(Protocol):
    """Plays one sound from start to end; returns when it has been heard."""

    @property
    def description(self) -> str:
        """Where the audio goes, for logs."""
        ...

    async def play(self, fmt: AudioFormat, audio: AsyncIterator[bytes]) -> None:
        """Play audio (raw PCM in fmt) as it arrives; raises AudioDeviceError on failure."""
        ...


class CommandSpeaker:
    """Pipes raw 16-bit PCM into a program's stdin (aplay by default), one process per sound.

    Audio is converted to the program's format. The call returns once the program exits,
    which aplay does only after draining its buffer, so `played` really means played.
    """

    def __init__(self, command: str, fmt: AudioFormat, *, exit_timeout: float = 30.0) -> None:
        self.command = shlex.split(command)
        if not self.command:
            raise AudioDeviceError("empty speaker command")
        self.fmt = fmt
        self.exit_timeout = exit_timeout

    @property
    def description(self) -> str:
        """The command line."""
        return shlex.join(self.command)

    async def play(self, fmt: AudioFormat, audio: AsyncIterator[bytes]) -> None:
        """Start the program, stream the converted audio into it, wait for it to finish."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            raise AudioDeviceError(f"cannot start {self.command[0]}: {err}") from err
        assert proc.stdin is not None and proc.stderr is not None
        try:
            try:
                converter = PcmConverter(fmt, self.fmt)
                async for data in audio:
                    proc.stdin.write(converter.convert(data))
                    await proc.stdin.drain()
                proc.stdin.write(converter.flush())
                proc.stdin.close()
                await proc.stdin.wait_closed()
            except (BrokenPipeError, ConnectionResetError) as err:
                stderr = last_line(await proc.stderr.read(4000))
                raise AudioDeviceError(
                    f"{self.command[0]} stopped playing: {stderr or err}"
                ) from err
            try:
                async with asyncio.timeout(self.exit_timeout):
                    code = await proc.wait()
            except TimeoutError as err:
                raise AudioDeviceError(f"{self.command[0]} did not finish playing") from err
            if code != 0:
                stderr = last_line(await proc.stderr.read(4000))
                raise AudioDeviceError(f"{self.command[0]} exited with {code}: {stderr}")
        finally:
            await stop_process(proc)
