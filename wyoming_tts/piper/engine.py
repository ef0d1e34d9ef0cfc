"""The Piper engine: piper-tts voices on onnxruntime (CUDA when available), loaded lazily and kept.

piper-tts phonemizes (its bundled espeak-ng) and maps phonemes to ids; the voice's graph runs
in `PiperModel`, which hands out each sentence's audio in pieces as the decoder makes them.
piper, onnx and onnxruntime are imported inside the methods that run in the model worker, so
importing this module stays cheap.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import ConfigError, EngineError
from wyoming_common.worker import CancelToken

from ..engines import SpeechSettings, VoiceChoice, VoiceDescription
from .model import PiperModel
from .voices import PiperVoiceFiles, ordered_descriptions

if TYPE_CHECKING:
    from piper import PiperVoice

_LOGGER = logging.getLogger(__name__)

_MAX_INT16 = 32767.0
CUDA_PROVIDER = "CUDAExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")
# Spoken once when a voice loads: warms it up, checks its decoding in pieces, and measures the
# peak that sets the voice's gain (Piper normalises each sentence to full scale, which a stream
# cannot do before the sentence ends; one gain per voice also keeps sentences equally loud).
_CALIBRATION_TEXT = "The kitchen light is on, and it is twenty one degrees inside!"
_HEADROOM = 0.95


@dataclass(frozen=True)
class DeviceChoice:
    """Where onnxruntime runs the voices, and why."""

    use_cuda: bool
    reason: str


def select_device(
    requested: str, available_providers: Sequence[str], gpu_present: bool
) -> DeviceChoice:
    """CUDA when asked for (or auto) and both the CUDA provider and a GPU exist, else CPU.

    Only auto falls back to the CPU; `--device cuda` without CUDA is a ConfigError.
    """
    if requested == "cpu":
        return DeviceChoice(False, "CPU requested (--device cpu)")
    missing = None
    if CUDA_PROVIDER not in available_providers:
        missing = "onnxruntime has no CUDA provider (install onnxruntime-gpu for GPU synthesis)"
    elif not gpu_present:
        missing = "no NVIDIA GPU found"
    if missing is None:
        return DeviceChoice(True, f"CUDA provider and a GPU found (--device {requested})")
    if requested == "cuda":
        raise ConfigError("--device", f"cuda requested but {missing}")
    return DeviceChoice(False, missing)


def nvidia_gpu_present() -> bool:
    """True when the NVIDIA driver exposes a device (no CUDA library needed to check)."""
    return Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia/gpus").is_dir()


@dataclass
class _LoadedVoice:
    """A voice ready to speak: piper-tts for phonemes, its graph, and its gain."""

    voice: PiperVoice
    model: PiperModel
    gain: float = 1.0


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
        self._loaded: dict[str, _LoadedVoice] = {}
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
        """Choose the device, then load, check and warm the default voice."""
        import onnxruntime

        choice = select_device(
            self.device, onnxruntime.get_available_providers(), nvidia_gpu_present()
        )
        self.use_cuda = choice.use_cuda
        _LOGGER.info("Piper runs on %s: %s", "CUDA" if choice.use_cuda else "CPU", choice.reason)
        self._voice(self._default)

    def streams(self, voice: str) -> bool:
        """Whether a loaded voice speaks a sentence in several pieces."""
        loaded = self._loaded.get(voice)
        return loaded is not None and loaded.model.streams

    def _voice(self, name: str) -> _LoadedVoice:
        """The loaded voice (loaded and calibrated on first use, then kept)."""
        with self._load_lock:
            loaded = self._loaded.get(name)
            if loaded is None:
                started = time.monotonic()
                loaded = self._load_voice(name)
                self._loaded[name] = loaded
                _LOGGER.info(
                    "Loaded voice %s in %.2f s (%s, %s)",
                    name,
                    time.monotonic() - started,
                    loaded.model.providers()[0],
                    "streaming within sentences" if loaded.model.streams else "whole sentences",
                )
            return loaded

    def _load_voice(self, name: str) -> _LoadedVoice:
        try:
            return self._open(name, use_cuda=self.use_cuda)
        except Exception as err:  # onnxruntime/onnx/json errors of a broken voice file
            if not self.use_cuda:
                raise EngineError(f"cannot load voice {name}: {err}") from err
            # A CUDA provider that cannot start (driver, cuDNN) must not cost the voice.
            _LOGGER.warning("Voice %s failed on CUDA (%s); using the CPU instead", name, err)
            self.use_cuda = False
            try:
                return self._open(name, use_cuda=False)
            except Exception as cpu_err:
                raise EngineError(f"cannot load voice {name}: {cpu_err}") from cpu_err

    def _open(self, name: str, *, use_cuda: bool) -> _LoadedVoice:
        from piper import PiperVoice
        from piper.config import PiperConfig

        files = self._files[name]
        config = PiperConfig.from_dict(json.loads(files.config.read_text(encoding="utf-8")))
        providers: list[Any] = ["CPUExecutionProvider"]
        if use_cuda:
            providers = [(CUDA_PROVIDER, {"cudnn_conv_algo_search": "HEURISTIC"})]
        model = PiperModel(str(files.model), providers=providers, hop_length=config.hop_length)
        # piper-tts only phonemizes here; the graph runs in `model`.
        voice = PiperVoice(session=None, config=config)  # type: ignore[arg-type]
        loaded = _LoadedVoice(voice, model)
        peak = max(
            (model.calibrate(inputs) for inputs in self._inputs(loaded, _CALIBRATION_TEXT, None)),
            default=0.0,
        )
        loaded.gain = _HEADROOM / peak if peak > 1e-4 else 1.0
        return loaded

    def _inputs(
        self, loaded: _LoadedVoice, text: str, speaker: str | None
    ) -> Iterator[dict[str, np.ndarray]]:
        """Model inputs for each phoneme group espeak-ng makes of text (as piper-tts makes them)."""
        config = loaded.voice.config
        scales = np.array(
            [
                config.noise_scale if self.speech.noise_scale is None else self.speech.noise_scale,
                config.length_scale
                if self.speech.length_scale is None
                else self.speech.length_scale,
                config.noise_w_scale if self.speech.noise_w is None else self.speech.noise_w,
            ],
            dtype=np.float32,
        )
        speaker_id = None
        if config.num_speakers > 1:
            speaker_id = config.speaker_id_map.get(speaker or "", config.default_speaker_id)
        for phonemes in loaded.voice.phonemize(text):
            if not phonemes:
                continue
            ids = np.array([loaded.voice.phonemes_to_ids(phonemes)], dtype=np.int64)
            inputs: dict[str, np.ndarray] = {
                "input": ids,
                "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
                "scales": scales,
            }
            if speaker_id is not None and "sid" in loaded.model.input_names:
                inputs["sid"] = np.array([speaker_id], dtype=np.int64)
            yield inputs

    def synthesize(
        self, sentence: str, choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        """The sentence's PCM in pieces as the decoder makes them, then --sentence-silence."""
        loaded = self._voice(choice.voice)
        sent = False
        for inputs in self._inputs(loaded, sentence, choice.speaker):
            for audio in loaded.model.pieces(inputs):
                if cancel.cancelled:
                    return
                pcm = np.clip(audio * (loaded.gain * _MAX_INT16), -_MAX_INT16, _MAX_INT16)
                yield pcm.astype("<i2").tobytes()
                sent = True
        silence = bytes(2 * int(loaded.voice.config.sample_rate * self.speech.sentence_silence))
        if silence or not sent:
            yield silence
