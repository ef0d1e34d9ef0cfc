"""The TTS server's flags, declared once on the frozen settings they fill (each also read from
WYOMING_TTS_<FLAG>), and checked with messages that name the flag."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wyoming_common.config import (
    ServiceSettings,
    group,
    option,
    positive_float,
    positive_int,
    service_group,
)
from wyoming_common.errors import ConfigError

from .engines import SpeechSettings, non_negative_float
from .events import DEFAULT_MAX_TEXT_CHARS
from .piper.download import DEFAULT_VOICES_URL, VOICE_NAME
from .piper.engine import DEVICES

ENV_PREFIX = "WYOMING_TTS"
ENGINES = ("auto", "piper", "espeak-ng")
_VOICES = "engine and voices"
_PROTOCOL = "protocol"


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/wyoming-voice/tts (voices live and are downloaded here)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wyoming-voice" / "tts"


@dataclass(frozen=True)
class TtsSettings:
    """Everything the TTS service needs; `service` is where it listens."""

    service: ServiceSettings = service_group("tts", 10200)
    engine: str = option(
        "auto",
        choices=ENGINES,
        section=_VOICES,
        help="auto: Piper when a Piper voice is found, else espeak-ng (no model files needed)",
    )
    voice: str | None = option(
        None,
        section=_VOICES,
        help="default voice, e.g. en_US-lessac-medium (Piper) or en-us (espeak-ng)",
    )
    data_dirs: tuple[Path, ...] = option(
        flag="--data-dir",
        factory=lambda: (default_data_dir(),),
        repeat=True,
        type=Path,
        metavar="DIR",
        section=_VOICES,
        help=f"folder with NAME.onnx + NAME.onnx.json Piper voices; repeatable; "
        f"when none is given: {default_data_dir()}",
    )
    download_dir: Path | None = option(
        None,
        type=Path,
        metavar="DIR",
        section=_VOICES,
        help="where --download-voice puts voices; when not given: the first --data-dir",
    )
    download_voices: tuple[str, ...] = option(
        (),
        flag="--download-voice",
        repeat=True,
        metavar="NAME",
        section=_VOICES,
        help="download this Piper voice at start unless it is already present; repeatable",
    )
    voices_url: str = option(
        DEFAULT_VOICES_URL, section=_VOICES, help="base URL of the Piper voices repository"
    )
    device: str = option(
        "auto",
        choices=DEVICES,
        section=_VOICES,
        help="where Piper runs: auto = CUDA when onnxruntime-gpu and a GPU are present",
    )
    espeak_command: str = option("espeak-ng", section=_VOICES, help="the espeak-ng program")
    speech: SpeechSettings = group(SpeechSettings, title="speech")
    streaming: bool = option(
        True,
        section=_PROTOCOL,
        help="do not advertise streaming text input (synthesize-start/chunk/stop)",
    )
    samples_per_chunk: int = option(
        1024, type=positive_int, section=_PROTOCOL, help="samples per audio-chunk"
    )
    cache_size: float = option(
        16.0,
        type=non_negative_float,
        metavar="MB",
        section=_PROTOCOL,
        help="memory for recently spoken short sentences (0 turns the cache off)",
    )
    cache_max_chars: int = option(
        120, type=positive_int, section=_PROTOCOL, help="longest sentence cached"
    )
    max_sentence_chars: int = option(
        400,
        type=positive_int,
        section=_PROTOCOL,
        help="split longer sentences at a comma or space so speech starts sooner",
    )
    max_text_chars: int = option(
        DEFAULT_MAX_TEXT_CHARS,
        type=positive_int,
        section=_PROTOCOL,
        help="longest text one request may carry (synthesize, or a stream's chunks together); "
        "longer text is refused with an error",
    )
    timeout: float = option(
        120.0, type=positive_float, section=_PROTOCOL, help="seconds one synthesis may take"
    )

    def __post_init__(self) -> None:
        for voice in self.download_voices:
            if not VOICE_NAME.match(voice):
                raise ConfigError(
                    "--download-voice", f"{voice!r} is not like LANGUAGE_REGION-NAME-QUALITY"
                )
        if not self.voices_url.startswith(("http://", "https://", "file:")):
            raise ConfigError("--voices-url", f"expected an http(s) URL, got {self.voices_url!r}")
        if not self.data_dirs:
            raise ConfigError("--data-dir", "at least one folder is needed")
        if self.download_dir is None:
            object.__setattr__(self, "download_dir", self.data_dirs[0])

    @property
    def cache_bytes(self) -> int:
        """--cache-size in bytes."""
        return int(self.cache_size * 1024 * 1024)
