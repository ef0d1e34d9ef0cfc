"""Exception root of the satellite; the satellite turns these into an error tone or speech."""

from __future__ import annotations

from wyoming_common.errors import WyomingVoiceError


class SatelliteError(WyomingVoiceError):
    """Root of every error raised on purpose by the satellite package."""

    code = "satellite-error"


class AudioDeviceError(SatelliteError):
    """A microphone or speaker could not be opened or stopped working."""

    code = "audio-device-error"


class WakeWordError(SatelliteError):
    """A wake word model could not be loaded or the wake service failed."""

    code = "wake-word-error"
