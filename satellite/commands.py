"""What the core needs of a command in progress and of the standalone assistant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .devices.capture import AudioBlock


class CommandStream(Protocol):
    """Where the microphone goes between the wake word and the end of the command."""

    async def feed(self, block: AudioBlock) -> bool:
        """Take a block; False when the command is over."""
        ...

    async def abort(self) -> None:
        """The satellite failed while listening: end the command now (it reports the failure)."""
        ...


class LocalAssistant(Protocol):
    """The standalone pipeline as seen by the core (see standalone.StandaloneAssistant)."""

    @property
    def busy(self) -> bool:
        """True while a command is being answered."""
        ...

    async def start(self) -> None:
        """Find the services (a failure is logged, not fatal)."""
        ...

    def begin(self, preroll: Sequence[AudioBlock]) -> CommandStream:
        """Start answering a command; the returned stream takes the live audio."""
        ...

    async def stop(self) -> None:
        """Cancel a command in progress."""
        ...
