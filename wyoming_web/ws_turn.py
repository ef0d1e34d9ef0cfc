"""One request on a WebSocket: the audio it is still taking, and how it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from voice_pipeline.vad import CommandEndDetector, EndReason


class SocketTurn:
    """A spoken turn takes audio until the client's `end`, the length cap, or (with server
    endpointing) the pause after speech; a typed turn takes none.

    States: "listening"; then "ignoring" (ended by the server — too long, a pause, or already
    answered — audio is dropped until the client's `end`); "closed" (the next audio frame
    starts a new turn).
    """

    def __init__(self, number: int, max_audio_bytes: int, *, spoken: bool = True) -> None:
        self.number = number
        self.max_audio_bytes = max_audio_bytes
        self.audio: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.audio_bytes = 0
        self.state = "listening" if spoken else "closed"
        self.detector: CommandEndDetector | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        """True while audio frames are forwarded to the STT."""
        return self.state == "listening"

    async def add_audio(self, data: bytes) -> EndReason | None:
        """Forward a frame; the reason when this frame ended the turn."""
        if not self.listening:
            return None
        if self.audio_bytes + len(data) > self.max_audio_bytes:
            self.stop_listening()
            return EndReason.MAX_LENGTH
        self.audio_bytes += len(data)
        self.audio.put_nowait(data)
        if self.detector is not None:
            reason = await self.detector.feed(data)
            if reason is not None:
                self.stop_listening()
            return reason
        return None

    def stop_listening(self) -> None:
        """No more audio for the STT (the pipeline goes on with what it has)."""
        if self.listening:
            self.audio.put_nowait(None)
            self.state = "ignoring"

    def end(self) -> None:
        """The client's `end` (or a cancel): the next audio starts a new turn."""
        self.stop_listening()
        self.state = "closed"

    async def chunks(self) -> AsyncIterator[bytes]:
        """The audio for `VoicePipeline.run`, until the turn stops listening."""
        while (chunk := await self.audio.get()) is not None:
            yield chunk
