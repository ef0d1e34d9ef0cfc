"""Echo cancelling: what the satellite's own speaker plays is subtracted from the microphone
(libspeexdsp's MDF echo canceller + its residual echo suppressor, through ctypes; Debian and
Raspberry Pi OS package: libspeexdsp1). The wake word gate during playback stays; this lets
the stop word hear the user over the reply, and keeps the reply's echo out of everything else.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any

from voice_pipeline.convert import PcmConverter
from wyoming_common.audio import STT_FORMAT, AudioFormat
from wyoming_common.errors import ConfigError

_LOGGER = logging.getLogger(__name__)

FRAME_SAMPLES = 160  # 10 ms at 16 kHz
FRAME_BYTES = FRAME_SAMPLES * 2
SPEEX_ECHO_SET_SAMPLING_RATE = 24
SPEEX_PREPROCESS_SET_DENOISE = 0
SPEEX_PREPROCESS_SET_ECHO_STATE = 24
MAX_REFERENCE_SECONDS = 10.0
IDLE_FRAMES = 200  # 2 s without reference: the canceller rests (keeping what it learnt)


def load_speexdsp() -> Any | None:
    """libspeexdsp, or None when it is not installed."""
    name = ctypes.util.find_library("speexdsp")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p] + [ctypes.c_char_p] * 3
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_state_reset.argtypes = [ctypes.c_void_p]
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_preprocess_state_init.restype = ctypes.c_void_p
    lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_preprocess_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_preprocess_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.speex_preprocess_state_destroy.argtypes = [ctypes.c_void_p]
    return lib


class SpeexEchoCanceller:
    """One MDF echo canceller on 10 ms frames of 16 kHz mono 16-bit audio."""

    def __init__(self, lib: Any, filter_seconds: float = 0.3) -> None:
        self._lib = lib
        taps = int(STT_FORMAT.rate * filter_seconds)
        self._echo = lib.speex_echo_state_init(FRAME_SAMPLES, taps)
        rate = ctypes.c_int(STT_FORMAT.rate)
        lib.speex_echo_ctl(self._echo, SPEEX_ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        self._pre = lib.speex_preprocess_state_init(FRAME_SAMPLES, STT_FORMAT.rate)
        off = ctypes.c_int(0)  # noise is the job of --mic-noise-suppression, not ours
        lib.speex_preprocess_ctl(self._pre, SPEEX_PREPROCESS_SET_DENOISE, ctypes.byref(off))
        lib.speex_preprocess_ctl(
            self._pre, SPEEX_PREPROCESS_SET_ECHO_STATE, ctypes.c_void_p(self._echo)
        )

    def frame(self, mic: bytes, reference: bytes) -> bytes:
        """One frame (FRAME_BYTES each) with the echo of reference removed."""
        out = ctypes.create_string_buffer(FRAME_BYTES)
        self._lib.speex_echo_cancellation(self._echo, mic, reference, out)
        self._lib.speex_preprocess_run(self._pre, out)
        return out.raw

    def reset(self) -> None:
        """Forget the room (after a long silence of the speaker)."""
        self._lib.speex_echo_state_reset(self._echo)

    def close(self) -> None:
        """Free the native state."""
        if self._echo:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = self._pre = None


class EchoFilter:
    """The speaker's audio (pushed as it is played) removed from the microphone's, in step.

    The reference is consumed at the microphone's pace from the moment the speaker starts, so
    it leads the echo by the output latency; the canceller's filter (0.3 s) must cover that.
    """

    def __init__(self, canceller: SpeexEchoCanceller) -> None:
        self.canceller = canceller
        self._reference = bytearray()
        self._converter: PcmConverter | None = None
        self._pending = b""
        self._idle = IDLE_FRAMES
        self.frames = 0

    def push(self, audio: bytes, fmt: AudioFormat) -> None:
        """Audio on its way to the speaker (the player's tap)."""
        if self._converter is None or self._converter.src != fmt:
            self._converter = PcmConverter(fmt, STT_FORMAT)
        self._reference.extend(self._converter.convert(audio))
        excess = len(self._reference) - int(STT_FORMAT.rate * 2 * MAX_REFERENCE_SECONDS)
        if excess > 0:  # far more than any speaker buffers: the newest cannot be in step
            del self._reference[-excess:]

    def clear(self) -> None:
        """Playback was cut: forget the audio pushed but never played."""
        self._reference.clear()

    def process(self, pcm: bytes) -> bytes:
        """Microphone audio (16 kHz mono) with our own playback removed; whole frames only,
        the rest waits for the next call."""
        data = self._pending + pcm
        usable = len(data) - len(data) % FRAME_BYTES
        self._pending = data[usable:]
        out = bytearray()
        for start in range(0, usable, FRAME_BYTES):
            mic = data[start : start + FRAME_BYTES]
            reference = bytes(self._reference[:FRAME_BYTES])
            del self._reference[:FRAME_BYTES]
            if reference:
                self._idle = 0
            elif self._idle >= IDLE_FRAMES:
                out.extend(mic)  # nothing played for a while: leave the microphone alone
                continue
            else:
                self._idle += 1
            out.extend(self.canceller.frame(mic, reference.ljust(FRAME_BYTES, b"\0")))
            self.frames += 1
        return bytes(out)


def build_echo_filter(mode: str) -> EchoFilter | None:
    """--echo-cancel: speex (required), auto (speex when installed), off."""
    if mode == "off":
        return None
    lib = load_speexdsp()
    if lib is None:
        if mode == "speex":
            raise ConfigError("--echo-cancel", "speex needs libspeexdsp (apt install libspeexdsp1)")
        _LOGGER.info("No echo canceller (libspeexdsp not installed): gating the microphone only")
        return None
    _LOGGER.info("Echo canceller: libspeexdsp")
    return EchoFilter(SpeexEchoCanceller(lib))
