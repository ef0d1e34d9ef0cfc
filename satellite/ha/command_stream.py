"""The command, from the wake word on, streamed to Home Assistant (HA_CONTRACT §8.3)."""

from __future__ import annotations

import logging
from typing import Protocol

from wyoming.audio import AudioChunk, AudioStop
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.wake import Detection

from wyoming_common.audio import STT_FORMAT

from ..devices.capture import AudioBlock

_LOGGER = logging.getLogger(__name__)


class ServerConnection(Protocol):
    """The part of a connection handler the session uses."""

    peer: str

    async def write_event(self, event: Event) -> None:
        """Send one event to Home Assistant."""
        ...


class HaCommandStream:
    """The microphone, from the wake word on, as audio-chunks to Home Assistant."""

    def __init__(self, server: ServerConnection, max_seconds: float) -> None:
        self.server = server
        self.max_seconds = max_seconds
        self.sent_seconds = 0.0
        self.ended = False

    async def begin(self, wake_word: str | None, timestamp: int) -> None:
        """detection (when woken by a word) + run-pipeline asr → tts."""
        if wake_word:
            await self.server.write_event(Detection(name=wake_word, timestamp=timestamp).event())
        await self.server.write_event(
            RunPipeline(
                start_stage=PipelineStage.ASR,
                end_stage=PipelineStage.TTS,
                wake_word_name=wake_word,
                restart_on_end=False,
            ).event()
        )

    async def feed(self, block: AudioBlock) -> bool:
        """Send a block; False once the stream is over (max length sends audio-stop)."""
        if self.ended:
            return False
        fmt = STT_FORMAT
        chunk = AudioChunk(
            rate=fmt.rate,
            width=fmt.width,
            channels=fmt.channels,
            audio=block.audio,
            timestamp=block.timestamp,
        )
        try:
            await self.server.write_event(chunk.event())
            self.sent_seconds += fmt.seconds(len(block.audio))
            if self.sent_seconds >= self.max_seconds:
                _LOGGER.info("Command longer than %.0f s: ending it", self.max_seconds)
                self.ended = True
                await self.server.write_event(AudioStop().event())
                return False
        except (ConnectionError, OSError, RuntimeError) as err:  # the connection is gone
            _LOGGER.info("Streaming the command to Home Assistant failed: %s", err)
            self.ended = True
            return False
        return True

    def stop(self) -> None:
        """Home Assistant has heard enough (voice-stopped, transcript, error, pause)."""
        self.ended = True

    async def abort(self) -> None:
        """The satellite failed: `audio-stop` so that Home Assistant ends the run now (it
        answers with its own error or reply) instead of waiting for more audio."""
        if self.ended:
            return
        self.ended = True
        try:
            await self.server.write_event(AudioStop().event())
        except (ConnectionError, OSError, RuntimeError) as err:
            _LOGGER.debug("Could not end the command with Home Assistant: %s", err)
