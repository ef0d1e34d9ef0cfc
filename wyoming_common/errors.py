"""Exception root shared by every service; handlers translate these into Wyoming `error` events."""


class WyomingVoiceError(Exception):
    """Root of every error raised on purpose by wyoming-voice code."""

    code = "internal-error"


class ProtocolError(WyomingVoiceError):
    """A client sent something that is not a valid Wyoming event stream."""

    code = "protocol-error"


class PayloadTooLargeError(ProtocolError):
    """A header announced more data or payload than the service accepts."""

    code = "payload-too-large"


class MalformedEventError(ProtocolError):
    """One event is invalid (JSON nested too deeply, data block not an object, ...).

    Raised only once the whole event has been consumed or cannot be parsed at all; the
    client gets `error {code: "bad-request"}`.
    """

    code = "bad-request"


class BadRequestError(WyomingVoiceError):
    """A well-formed event that makes no sense: a missing or mistyped field, a value out of
    range, audio before audio-start."""

    code = "bad-request"


class BusyError(WyomingVoiceError):
    """The service cannot take this request now (engine queue or connection table full).

    Answered at once so that a client can retry elsewhere or later instead of waiting into
    a timeout.
    """

    code = "busy"


class EngineError(WyomingVoiceError):
    """An engine failed to load or to process a request."""

    code = "engine-error"


class EngineTimeoutError(EngineError):
    """An engine call took longer than its time limit."""

    code = "engine-timeout"


class ConfigError(WyomingVoiceError):
    """Invalid configuration; the message names the flag."""

    code = "config-error"

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(f"{flag}: {message}")
        self.flag = flag
