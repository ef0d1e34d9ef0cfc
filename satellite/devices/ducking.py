"""Ducking: other audio (music) is lowered while the satellite speaks and put back exactly where
it was afterwards, unless someone changed it meanwhile (a volume set by voice wins)."""

from __future__ import annotations

import asyncio
import logging
import re
import shlex

from .processes import last_line, stop_process

_LOGGER = logging.getLogger(__name__)

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(%?)")
TOLERANCE = 0.015  # volume commands round (wpctl to 2 decimals, amixer to percent steps)


def parse_volume(text: str) -> float:
    """The first number of a volume command's output as 0-1 ("Volume: 0.40", "[40%]", "40")."""
    match = _NUMBER.search(text)
    if match is None:
        raise ValueError(f"no volume in {text.strip()!r}")
    value = float(match.group(1))
    if match.group(2) == "%" or value > 1.0:
        value /= 100.0
    return max(0.0, min(1.0, value))


class VolumeCommand:
    """Reads and sets a volume with two programs (--duck-get-command / --duck-set-command)."""

    def __init__(self, get_command: str, set_command: str, timeout: float = 2.0) -> None:
        self.get_command = shlex.split(get_command)
        self.set_command = set_command
        self.timeout = timeout

    async def get(self) -> float:
        """The current volume (0-1)."""
        return parse_volume(await self._run(self.get_command))

    async def set(self, volume: float) -> None:
        """Set the volume (0-1)."""
        await self._run(shlex.split(self.set_command.replace("{volume}", f"{volume:.3f}")))

    async def _run(self, argv: list[str]) -> str:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with asyncio.timeout(self.timeout):
                out, err = await proc.communicate()
        finally:
            await stop_process(proc)
        if proc.returncode != 0:
            raise OSError(f"{argv[0]} exited with {proc.returncode}: {last_line(err)}")
        return out.decode(errors="replace")


class Ducker:
    """duck() before the satellite speaks, restore() once it is quiet again."""

    def __init__(self, volume: VolumeCommand, level: float = 0.3) -> None:
        self.volume = volume
        self.level = level
        self._saved: tuple[float, float] | None = None  # (before, ducked)

    @property
    def ducked(self) -> bool:
        """True between duck() and restore()."""
        return self._saved is not None

    async def duck(self) -> None:
        """Lower the volume to level times what it is now (once; repeated calls do nothing)."""
        if self._saved is not None:
            return
        try:
            before = await self.volume.get()
            ducked = round(before * self.level, 3)
            await self.volume.set(ducked)
        except (OSError, ValueError, TimeoutError) as err:
            _LOGGER.warning("Cannot duck the other audio: %s", err)
            return
        self._saved = (before, ducked)
        _LOGGER.debug("Ducked other audio from %.3f to %.3f", before, ducked)

    async def restore(self) -> None:
        """Put the volume back, unless it was changed while ducked (the user's wins)."""
        if self._saved is None:
            return
        before, ducked = self._saved
        self._saved = None
        try:
            now = await self.volume.get()
            if abs(now - ducked) > TOLERANCE:
                _LOGGER.info("Volume changed to %.2f while ducked: leaving it there", now)
                return
            await self.volume.set(before)
        except (OSError, ValueError, TimeoutError) as err:
            _LOGGER.warning("Cannot restore the other audio's volume: %s", err)

    async def speaking(self) -> None:
        """The player starts a sound after silence (PlaybackObserver)."""
        await self.duck()

    async def quiet(self) -> None:
        """The player has nothing more to play (PlaybackObserver)."""
        await self.restore()
