"""The standalone pipeline's inputs, outputs and callbacks (shared with the browser gateway)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wyoming_common.audio import AudioFormat

# What each timing measures, in the order a turn runs.
STAGE_LABELS = (
    ("stt", "end of speech → transcript"),
    ("agent_first", "transcript → first reply text"),
    ("agent", "transcript → whole reply"),
    ("tts_first", "first reply text → first audio"),
    ("first_audio", "end of speech → first audio"),
    ("total", "end of speech → last audio"),
)


@dataclass(frozen=True)
class PipelineEndpoints:
    """Where the three services listen (tcp://host:port or unix:///path)."""

    stt_uri: str
    agent_uri: str
    tts_uri: str


@dataclass(frozen=True)
class PipelineOptions:
    """How the pipeline talks to the services."""

    language: str | None = "en"
    voice: str | None = None
    speaker: str | None = None
    connect_timeout: float = 5.0
    stt_timeout: float = 30.0  # end of speech → transcript
    agent_timeout: float = 60.0  # per event from the agent
    tts_timeout: float = 60.0  # per event from the TTS
    context: dict[str, Any] = field(default_factory=dict)  # extra agent context (satellite_id)


class PipelineListener:
    """Callbacks of one run, in the order they happen; override what you need.

    Audio arrives as it is synthesized: the first sentence can play while the agent is still
    writing the rest. Every callback is awaited, so keep them quick (queue, don't block).
    """

    async def on_end_of_speech(self) -> None:
        """The audio input ended; STT is finishing."""

    async def on_transcript(self, text: str) -> None:
        """What the user said."""

    async def on_reply_chunk(self, text: str) -> None:
        """A piece of the agent's answer (streamed agents send several)."""

    async def on_reply(self, text: str) -> None:
        """The agent's whole answer."""

    async def on_audio_start(self, fmt: AudioFormat) -> None:
        """The first reply audio is about to arrive."""

    async def on_audio(self, audio: bytes, fmt: AudioFormat) -> None:
        """A chunk of reply audio (raw PCM in fmt)."""

    async def on_audio_stop(self) -> None:
        """All reply audio was delivered."""


@dataclass(frozen=True)
class PipelineTimings:
    """Seconds per stage, measured on the satellite from the end of speech."""

    stt: float | None = None  # end of speech → transcript
    agent_first: float | None = None  # transcript → first reply text
    agent: float | None = None  # transcript → final `handled`
    tts_first: float | None = None  # first reply text → first audio byte
    first_audio: float | None = None  # end of speech → first audio byte (what users feel)
    total: float | None = None  # end of speech → last audio byte

    def as_dict(self) -> dict[str, float | None]:
        """Plain dict for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class PipelineResult:
    """What one run produced."""

    transcript: str
    reply: str
    conversation_id: str | None
    handled: bool
    audio_format: AudioFormat | None
    audio_seconds: float
    timings: PipelineTimings
    agent_streamed: bool
    tts_streamed: bool
    expects_answer: bool = False
    """The reply asked something: listen again without the wake word."""
