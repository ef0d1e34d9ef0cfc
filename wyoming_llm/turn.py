"""What one conversation turn is about: the words, who said them, and where."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TurnRequest:
    """One transcript to answer."""

    text: str
    conversation_id: str | None = None
    language: str | None = None
    device_id: str | None = None
    satellite_id: str | None = None


@dataclass(frozen=True)
class TurnContext:
    """A turn resolved for acting: the conversation it belongs to and the speaker's area."""

    text: str
    conversation_id: str
    language: str
    device_id: str | None = None
    satellite_id: str | None = None
    area_id: str | None = None
