"""The audio of one request, in the client's format, capped at a maximum duration."""

from __future__ import annotations

from wyoming_common.audio import AudioFormat


class AudioBuffer:
    """Collects PCM bytes up to max_seconds; what comes after the cap is dropped."""

    def __init__(self, fmt: AudioFormat, max_seconds: float) -> None:
        self.format = fmt
        self.max_bytes = int(max_seconds * fmt.rate) * fmt.bytes_per_frame
        self._data = bytearray()

    def append(self, pcm: bytes) -> bool:
        """Add audio; False once the buffer is full (the rest of pcm was dropped)."""
        room = self.max_bytes - len(self._data)
        self._data += pcm[: max(room, 0)]
        return len(self._data) < self.max_bytes

    @property
    def full(self) -> bool:
        """True when the cap is reached."""
        return len(self._data) >= self.max_bytes

    @property
    def seconds(self) -> float:
        """Duration of the buffered audio."""
        return self.format.seconds(len(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def pcm(self) -> bytes:
        """The buffered audio, whole frames only."""
        usable = len(self._data) - len(self._data) % self.format.bytes_per_frame
        return bytes(self._data[:usable])
