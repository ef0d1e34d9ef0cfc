"""Where the real, trained models live (`../shared/models/fetch-real-models DEST`), for benchmarks.

The default folder is the cache `.ci/run` fills: `$WYOMING_VOICE_MODELS`, else
`$XDG_CACHE_HOME/wyoming-voice/real-models` (`~/.cache/wyoming-voice/real-models`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "WYOMING_VOICE_MODELS"


def default_models_dir() -> Path:
    """The folder `--models` defaults to."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "wyoming-voice" / "real-models"


@dataclass(frozen=True)
class RealModels:
    """The files fetch-real-models assembles in one folder (each may be missing)."""

    root: Path

    @property
    def whisper_base(self) -> Path:
        """Whisper base in CTranslate2 format (a folder)."""
        return self.root / "faster-whisper-base"

    @property
    def piper_joe(self) -> Path:
        """The en_US-joe-medium Piper voice (`.onnx`, with its `.onnx.json` beside it)."""
        return self.root / "piper" / "en_US-joe-medium.onnx"

    @property
    def piper_dir(self) -> Path:
        """The folder holding the Piper voice (a `--data-dir` for the TTS service)."""
        return self.root / "piper"

    @property
    def qwen_0_5b(self) -> Path:
        """Qwen2.5-Coder-0.5B-Instruct GGUF (the small set)."""
        return self.root / "llm" / "qwen2.5-coder-0.5b-instruct.gguf"

    @property
    def qwen_1_5b(self) -> Path:
        """Qwen2.5-Coder-1.5B-Instruct GGUF (`--set all`)."""
        return self.root / "llm" / "qwen2.5-coder-1.5b-instruct.gguf"

    @property
    def smollm_135m(self) -> Path:
        """SmolLM2-135M-Instruct GGUF (`--set all`)."""
        return self.root / "llm" / "SmolLM2-135M-Instruct.Q4_1.gguf"

    def missing(self, *paths: Path) -> list[Path]:
        """Those of paths that are not on disk."""
        return [path for path in paths if not path.exists()]


def real_models(root: Path | None = None) -> RealModels:
    """The real models under root (default: the fetch cache)."""
    return RealModels((root or default_models_dir()).expanduser())
