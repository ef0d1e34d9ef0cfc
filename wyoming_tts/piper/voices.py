"""Piper voices on disk: `NAME.onnx` + `NAME.onnx.json` in the data directories."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engines import VoiceDescription

_LOGGER = logging.getLogger(__name__)

PIPER_ATTRIBUTION = ("rhasspy", "https://github.com/rhasspy/piper")


@dataclass(frozen=True)
class PiperVoiceFiles:
    """Where a voice lives and what its config says about it."""

    model: Path
    config: Path
    description: VoiceDescription

    @property
    def name(self) -> str:
        """The voice name (file name without .onnx)."""
        return self.description.name


def describe_piper_config(name: str, config: dict[str, Any]) -> VoiceDescription:
    """A VoiceDescription from the contents of a voice's .onnx.json (pure)."""
    language = config.get("language") or {}
    code = language.get("code") if isinstance(language, dict) else None
    if not code:
        espeak = (config.get("espeak") or {}).get("voice", "")
        code = _piper_language(espeak) if espeak else name.split("-", maxsplit=1)[0]
    speaker_map = config.get("speaker_id_map") or {}
    speakers = tuple(sorted(speaker_map, key=lambda speaker: speaker_map[speaker]))
    audio = config.get("audio") or {}
    quality = audio.get("quality")
    dataset = config.get("dataset") or name
    return VoiceDescription(
        name=name,
        languages=(str(code),),
        speakers=speakers if len(speakers) > 1 else (),
        description=f"{dataset} ({quality})" if quality else str(dataset),
        version=config.get("piper_version"),
        attribution_name=PIPER_ATTRIBUTION[0],
        attribution_url=PIPER_ATTRIBUTION[1],
        sample_rate=int(audio.get("sample_rate", 22050)),
    )


def _piper_language(espeak_voice: str) -> str:
    family, _sep, region = espeak_voice.partition("-")
    return f"{family}_{region.upper()}" if region else family


def find_piper_voices(data_dirs: Iterable[Path]) -> dict[str, PiperVoiceFiles]:
    """Every voice under the data directories (searched recursively); the first of a name wins."""
    voices: dict[str, PiperVoiceFiles] = {}
    for data_dir in data_dirs:
        if not data_dir.is_dir():
            _LOGGER.debug("Voice directory %s does not exist", data_dir)
            continue
        for model in sorted(data_dir.rglob("*.onnx")):
            name = model.name[: -len(".onnx")]
            if name in voices or model.name.startswith("."):
                continue
            config_path = model.with_name(f"{model.name}.json")
            try:
                config = json.loads(config_path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                _LOGGER.warning("Skipping voice %s: %s is missing", model, config_path.name)
                continue
            except (OSError, ValueError) as err:
                _LOGGER.warning("Skipping voice %s: unreadable config (%s)", model, err)
                continue
            voices[name] = PiperVoiceFiles(model, config_path, describe_piper_config(name, config))
    return voices


def ordered_descriptions(
    voices: dict[str, PiperVoiceFiles], default: str
) -> Sequence[VoiceDescription]:
    """Descriptions with the default voice first, the rest by name."""
    names = sorted(voices, key=lambda name: (name != default, name))
    return [voices[name].description for name in names]
