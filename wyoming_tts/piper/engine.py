"""The Piper engine: piper-tts voices on onnxruntime (CUDA when available), loaded lazily and kept.

piper and onnxruntime are imported inside the methods that run in the model worker, so
importing this module stays cheap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import EngineError
from wyoming_common.worker import CancelToken

from ..engine import SpeechSettings, VoiceChoice, VoiceDescription
from .voices import PiperVoiceFiles, ordered_descriptions

if TYPE_CHECKING:
    from piper import PiperVoice

_LOGGER = logging.getLogger(__name__)

CUDA_PROVIDER = "CUDAExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")
_WARM_UP_TEXT = "Hello."


@dataclass(frozen=True)
class DeviceChoice:
    """Where onnxruntime runs the voices, and why."""

    use_cuda: bool
    reason: str


def select_device(
    requested: str, available_providers: Sequence[str], gpu_present: bool
) -> DeviceChoice:
    """CUDA when asked for (or auto) and both the CUDA provider and a GPU exist, else CPU."""
    if requested == "cpu":
        return DeviceChoice(False, "CPU requested (--device cpu)")
    if CUDA_PROVIDER not in available_providers:
        return DeviceChoice(
            False, "onnxruntime has no CUDA provider (install onnxruntime-gpu for GPU synthesis)"
        )
    if not gpu_present:
        return DeviceChoice(False, "no NVIDIA GPU found")
    return DeviceChoice(True, f"CUDA provider and a GPU found (--device {requested})")


def nvidia_gpu_present() -> bool:
    """True when the NVIDIA driver exposes a device (no CUDA library needed to check)."""
    return Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia/gpus").is_dir()


class PiperEngine:
    """Speaks with Piper voices found in data directories."""

    name = "piper"
    concurrency = 1  # one onnxruntime session already uses every core (or the GPU)

    def __init__(
        self,
        voices: Mapping[str, PiperVoiceFiles],
        *,
        default_voice: str,
        speech: SpeechSettings,
        device: str = "auto",
    ) -> None:
        if default_voice not in voices:
            raise ValueError(f"default voice {default_voice!r} is not among the voices")
        self._files = dict(voices)
        self._default = default_voice
        self.speech = speech
        self.device = device
        self.use_cuda = False
        self._loaded: dict[str, PiperVoice] = {}
        self._load_lock = threading.Lock()

    @property
    def default_voice(self) -> str:
        """Voice used when a request names none."""
        return self._default

    @property
    def cache_tag(self) -> str:
        """Engine + settings part of cache keys."""
        return f"piper/{self.speech.cache_tag()}"

    def voices(self) -> Sequence[VoiceDescription]:
        """Every voice on disk, default first."""
        return ordered_descriptions(self._files, self._default)

    def audio_format(self, voice: str) -> AudioFormat:
        """16-bit mono at the voice's sample rate."""
        return AudioFormat(self._files[voice].description.sample_rate, 2, 1)

    def load(self) -> None:
        """Choose the device, then load and warm the default voice."""
        import onnxruntime

        choice = select_device(
            self.device, onnxruntime.get_available_providers(), nvidia_gpu_present()
        )
        self.use_cuda = choice.use_cuda
        _LOGGER.info("Piper runs on %s: %s", "CUDA" if choice.use_cuda else "CPU", choice.reason)
        started = time.monotonic()
        for _audio in self.synthesize([_WARM_UP_TEXT], VoiceChoice(self._default), CancelToken()):
            pass
        _LOGGER.info(
            "Default voice %s loaded and warmed up in %.2f s",
            self._default,
            time.monotonic() - started,
        )

    def _voice(self, name: str) -> PiperVoice:
        """The loaded voice (loaded on first use, then kept)."""
        with self._load_lock:
            voice = self._loaded.get(name)
            if voice is not None:
                return voice
            from piper import PiperVoice

            files = self._files[name]
            started = time.monotonic()
            try:
                voice = PiperVoice.load(
                    files.model, config_path=files.config, use_cuda=self.use_cuda
                )
            except Exception as err:  # onnxruntime/json errors of a broken voice file
                if not self.use_cuda:
                    raise EngineError(f"cannot load voice {name}: {err}") from err
                # A CUDA provider that cannot start (driver, cuDNN) must not cost the voice.
                _LOGGER.warning("Voice %s failed on CUDA (%s); using the CPU instead", name, err)
                self.use_cuda = False
                try:
                    voice = PiperVoice.load(files.model, config_path=files.config)
                except Exception as cpu_err:
                    raise EngineError(f"cannot load voice {name}: {cpu_err}") from cpu_err
            providers = voice.session.get_providers()
            _LOGGER.info(
                "Loaded voice %s in %.2f s (%s)", name, time.monotonic() - started, providers[0]
            )
            self._loaded[name] = voice
            return voice

    def synthesize(
        self, sentences: Sequence[str], choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        """One PCM block per sentence (plus --sentence-silence), stopping when cancelled."""
        from piper import SynthesisConfig

        voice = self._voice(choice.voice)
        speaker_id = None
        if choice.speaker is not None:
            speaker_id = voice.config.speaker_id_map.get(choice.speaker)
        config = SynthesisConfig(
            speaker_id=speaker_id,
            length_scale=self.speech.length_scale,
            noise_scale=self.speech.noise_scale,
            noise_w_scale=self.speech.noise_w,
        )
        silence = bytes(2 * int(voice.config.sample_rate * self.speech.sentence_silence))
        for sentence in sentences:
            if cancel.cancelled:
                return
            chunks = voice.synthesize(sentence, config)
            yield b"".join(chunk.audio_int16_bytes for chunk in chunks) + silence
