"""Find a CTranslate2 Whisper model on disk, or download it from the Hugging Face hub.

A model is a folder path, a faster-whisper size name (`tiny`, `small.en`, `large-v3`, ...) or
a hub repository id (`Systran/faster-whisper-small`). Names are looked up in the data
directories first; a missing model is downloaded into the download directory with
`huggingface_hub.snapshot_download`, which logs its progress here. `HF_ENDPOINT` (a mirror) is
read when the download starts, not when huggingface_hub is imported.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from wyoming_common.errors import ConfigError, EngineError

_LOGGER = logging.getLogger(__name__)

# The same names faster-whisper accepts (faster_whisper/utils.py).
MODEL_REPOS: dict[str, str] = {
    "tiny.en": "Systran/faster-whisper-tiny.en",
    "tiny": "Systran/faster-whisper-tiny",
    "base.en": "Systran/faster-whisper-base.en",
    "base": "Systran/faster-whisper-base",
    "small.en": "Systran/faster-whisper-small.en",
    "small": "Systran/faster-whisper-small",
    "medium.en": "Systran/faster-whisper-medium.en",
    "medium": "Systran/faster-whisper-medium",
    "large-v1": "Systran/faster-whisper-large-v1",
    "large-v2": "Systran/faster-whisper-large-v2",
    "large-v3": "Systran/faster-whisper-large-v3",
    "large": "Systran/faster-whisper-large-v3",
    "distil-large-v2": "Systran/faster-distil-whisper-large-v2",
    "distil-medium.en": "Systran/faster-distil-whisper-medium.en",
    "distil-small.en": "Systran/faster-distil-whisper-small.en",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}

# What faster-whisper needs from a repository (as faster_whisper.utils.download_model).
ALLOW_PATTERNS = [
    "config.json",
    "preprocessor_config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
]
REQUIRED_FILES = ("model.bin", "config.json")
PROGRESS_INTERVAL_S = 5.0


def looks_like_path(model: str) -> bool:
    """A folder, not a name: /abs, ~/x, ./x, ../x, a/b/c, or something that exists on disk.

    A hub id has exactly one slash between two names (`Systran/faster-whisper-small`).
    """
    if model.startswith(("/", "~", ".")) or model.count("/") > 1 or "\\" in model:
        return True
    return Path(model).expanduser().exists()


def repo_id_for(model: str) -> str:
    """Hub repository of a size name or repository id (ConfigError for an unknown name)."""
    if "/" in model:
        return model
    try:
        return MODEL_REPOS[model]
    except KeyError:
        raise ConfigError(
            "--model",
            f"unknown Whisper model {model!r}: use a path, a hub id (org/name) "
            f"or one of {', '.join(MODEL_REPOS)}",
        ) from None


def is_model_dir(path: Path) -> bool:
    """True for a folder holding a complete CTranslate2 model."""
    return path.is_dir() and all((path / name).is_file() for name in REQUIRED_FILES)


def find_local_model(model: str, data_dirs: Sequence[Path]) -> Path | None:
    """The model as a path, or its folder (by name or repository name) in a data dir."""
    direct = Path(model).expanduser()
    if is_model_dir(direct):
        return direct
    candidates = [model]
    if "/" in model or model in MODEL_REPOS:
        candidates.append(repo_id_for(model).split("/")[-1])
    for data_dir in data_dirs:
        for name in candidates:
            path = data_dir.expanduser() / name
            if is_model_dir(path):
                return path
    return None


def locate_model(
    model: str, data_dirs: Sequence[Path], download_dir: Path, *, allow_download: bool = True
) -> Path:
    """A local folder with the model, downloading it when needed. Blocking."""
    local = find_local_model(model, data_dirs)
    if local is not None:
        _LOGGER.info("Using Whisper model at %s", local)
        return local
    path = Path(model).expanduser()
    if path.is_dir():
        raise ConfigError(
            "--model",
            f"{model} is not a CTranslate2 Whisper model (it needs model.bin and config.json)",
        )
    if path.exists():
        raise ConfigError("--model", f"{model} is a file; give the model's folder")
    if looks_like_path(model):
        raise ConfigError("--model", f"no such folder: {model}")
    if not allow_download:
        raise EngineError(f"Whisper model {model} is not in {', '.join(map(str, data_dirs))}")
    repo_id = repo_id_for(model)
    return download_model(repo_id, download_dir / repo_id.split("/")[-1])


def download_model(repo_id: str, target: Path, *, revision: str | None = None) -> Path:
    """Download a hub repository's model files into target, logging progress. Blocking."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as err:
        raise EngineError("huggingface_hub is needed to download models") from err

    endpoint = os.environ.get("HF_ENDPOINT") or None
    _LOGGER.info(
        "Downloading Whisper model %s from %s into %s",
        repo_id,
        endpoint or "the Hugging Face hub",
        target,
    )
    started = time.monotonic()
    try:
        path = snapshot_download(
            repo_id,
            revision=revision,
            local_dir=target,
            allow_patterns=ALLOW_PATTERNS,
            endpoint=endpoint,
            tqdm_class=progress_logger_class(repo_id),
        )
    except Exception as err:  # network, HTTP and disk errors of every kind mean "not available"
        raise EngineError(f"cannot download Whisper model {repo_id}: {err}") from err
    result = Path(path)
    if not is_model_dir(result):
        raise EngineError(f"download of {repo_id} did not produce a model (no model.bin)")
    _LOGGER.info("Downloaded %s in %.1f s", repo_id, time.monotonic() - started)
    return result


def progress_logger_class(label: str) -> Any:
    """A tqdm class for huggingface_hub that logs byte progress instead of drawing bars."""
    from tqdm import tqdm

    class LoggedProgress(tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["disable"] = False
            kwargs["file"] = _NullWriter()
            super().__init__(*args, **kwargs)
            self._last_log = 0.0

        def update(self, n: float | None = 1) -> bool | None:
            result: bool | None = super().update(n)
            if self.unit != "B":
                return result
            now = time.monotonic()
            done = bool(self.total) and self.n >= self.total
            if done or now - self._last_log >= PROGRESS_INTERVAL_S:
                self._last_log = now
                _log_bytes(label, float(self.n), float(self.total or 0))
            return result

    return LoggedProgress


def _log_bytes(label: str, done: float, total: float) -> None:
    if total > 0:
        _LOGGER.info(
            "Downloading %s: %.0f%% (%.1f of %.1f MB)",
            label,
            100.0 * done / total,
            done / 1e6,
            total / 1e6,
        )
    else:
        _LOGGER.info("Downloading %s: %.1f MB", label, done / 1e6)


class _NullWriter:
    """A file that discards tqdm's bar drawing (progress goes to the log)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


@dataclass(frozen=True)
class ModelName:
    """How info names a model: its name, where it comes from, faster-whisper's version."""

    name: str
    url: str
    version: str | None


def describe_model(model: str, path: Path) -> ModelName:
    """The model's display name and attribution URL."""
    if Path(model).expanduser().exists():
        name, url = path.name, "https://github.com/SYSTRAN/faster-whisper"
    else:
        name, url = model, f"https://huggingface.co/{repo_id_for(model)}"
    try:
        version: str | None = package_version("faster-whisper")
    except PackageNotFoundError:
        version = None
    return ModelName(name, url, version)
