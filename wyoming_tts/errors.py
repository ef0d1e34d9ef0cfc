"""Errors of the text-to-speech service (rooted in wyoming_common's WyomingVoiceError)."""

from wyoming_common.errors import WyomingVoiceError


class TtsError(WyomingVoiceError):
    """Root of the errors raised on purpose by wyoming_tts."""

    code = "tts-error"


class VoiceDownloadError(TtsError):
    """A voice could not be downloaded or failed verification."""

    code = "voice-download-failed"
