"""The embedded fallback: real speech from the system `espeak-ng` program, no model files."""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
from collections.abc import Iterator, Sequence

from wyoming_common.audio import AudioFormat
from wyoming_common.errors import ConfigError, EngineError
from wyoming_common.worker import CancelToken

from .engines import SpeechSettings, VoiceChoice, VoiceDescription
from .voice_choice import VoiceRequest, resolve_voice

_LOGGER = logging.getLogger(__name__)

ESPEAK_RATE = 22050
DEFAULT_WORDS_PER_MINUTE = 175
DEFAULT_VOICE = "en-us"
_ATTRIBUTION = ("eSpeak NG", "https://github.com/espeak-ng/espeak-ng")
_TIMEOUT = 30.0


def espeak_language(code: str) -> str:
    """espeak-ng language codes in Piper style: en-us → en_US, es-419 → es_419, de → de."""
    parts = code.split("-")
    if len(parts) > 1 and ((len(parts[1]) == 2 and parts[1].isalpha()) or parts[1].isdigit()):
        return f"{parts[0].lower()}_{parts[1].upper()}"
    return parts[0].lower()


def parse_voice_list(listing: str, version: str | None = None) -> list[VoiceDescription]:
    """Voices from `espeak-ng --voices` output; MBROLA voices and variants are skipped."""
    voices: dict[str, VoiceDescription] = {}
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        language, _age_gender, voice_name, file = fields[1], fields[2], fields[3], fields[4]
        if file.startswith(("mb/", "!v")) or language == "variant" or language in voices:
            continue
        voices[language] = VoiceDescription(
            name=language,
            languages=(espeak_language(language),),
            description=f"{voice_name.replace('_', ' ')} (eSpeak NG)",
            version=version,
            attribution_name=_ATTRIBUTION[0],
            attribution_url=_ATTRIBUTION[1],
            sample_rate=ESPEAK_RATE,
        )
    return list(voices.values())


def pcm_from_wav_stream(data: bytes) -> bytes:
    """PCM frames of espeak-ng's `--stdout` WAV, whose size fields are placeholders."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise EngineError("espeak-ng did not write a WAV stream")
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        if chunk_id == b"data":
            pcm = data[offset + 8 :]
            return pcm[: len(pcm) - len(pcm) % 2]
        offset += 8 + size + (size & 1)
    raise EngineError("espeak-ng WAV stream has no data chunk")


class EspeakEngine:
    """Speaks with `espeak-ng` voices, one process per sentence."""

    name = "espeak-ng"
    concurrency = 2  # separate processes: two requests never share state

    def __init__(
        self,
        *,
        speech: SpeechSettings,
        voice: str | None = None,
        command: str = "espeak-ng",
    ) -> None:
        self.speech = speech
        self._requested_voice = voice
        self._command = command
        self._voices: list[VoiceDescription] = []
        self._default = voice or DEFAULT_VOICE
        length_scale = speech.length_scale or 1.0
        self.words_per_minute = max(80, min(450, round(DEFAULT_WORDS_PER_MINUTE / length_scale)))

    @property
    def default_voice(self) -> str:
        """Voice used when a request names none."""
        return self._default

    @property
    def cache_tag(self) -> str:
        """Engine + settings part of cache keys."""
        return f"espeak-ng/{self.speech.cache_tag()}"

    def voices(self) -> Sequence[VoiceDescription]:
        """espeak-ng's voices, default first (empty before load)."""
        return sorted(self._voices, key=lambda voice: voice.name != self._default)

    def audio_format(self, voice: str) -> AudioFormat:
        """espeak-ng always writes 22050 Hz 16-bit mono."""
        return AudioFormat(ESPEAK_RATE, 2, 1)

    def load(self) -> None:
        """List the voices, pick the default, and speak once to warm the caches."""
        program = shutil.which(self._command)
        if program is None:
            raise ConfigError("--engine", f"{self._command} not found (apt install espeak-ng)")
        version = self._run([program, "--version"], b"").decode(errors="replace").split()
        self._voices = parse_voice_list(
            self._run([program, "--voices"], b"").decode(errors="replace"),
            version[3] if len(version) > 3 else None,
        )
        if not self._voices:
            raise EngineError("espeak-ng lists no voices")
        names = {voice.name for voice in self._voices}
        if self._requested_voice is not None and self._requested_voice not in names:
            raise ConfigError("--voice", f"espeak-ng has no voice {self._requested_voice!r}")
        if self._requested_voice is None:
            request = VoiceRequest(language="en_US")
            self._default = resolve_voice(self._voices, DEFAULT_VOICE, request).choice.voice
        self._command = program
        for _audio in self.synthesize("Hello.", VoiceChoice(self._default), CancelToken()):
            pass
        _LOGGER.info("espeak-ng ready with %d voices, default %s", len(names), self._default)

    def synthesize(
        self, sentence: str, choice: VoiceChoice, cancel: CancelToken
    ) -> Iterator[bytes]:
        """The sentence's PCM in one piece (plus --sentence-silence); nothing once cancelled."""
        if cancel.cancelled:
            return
        silence = bytes(2 * int(ESPEAK_RATE * self.speech.sentence_silence))
        command = [
            self._command,
            "-v",
            choice.voice,
            "-s",
            str(self.words_per_minute),
            "-b",
            "1",  # input is UTF-8
            "--stdout",
        ]
        # [[...]] would be read as phoneme mnemonics; text comes on stdin, never as an option.
        text = sentence.replace("[[", "[").replace("]]", "]")
        yield pcm_from_wav_stream(self._run(command, text.encode("utf-8"))) + silence

    @staticmethod
    def _run(command: list[str], stdin: bytes) -> bytes:
        try:
            result = subprocess.run(
                command, input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise EngineError(f"espeak-ng failed: {err}") from err
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip()
            raise EngineError(f"espeak-ng exited with {result.returncode}: {detail}")
        return result.stdout
