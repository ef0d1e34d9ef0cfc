"""Fetch Piper voices from a repository in the rhasspy/piper-voices layout.

The repository root has `voices.json` (each voice's files with `size_bytes` and `md5_digest`);
files live at `{family}/{family}_{REGION}/{name}/{quality}/{voice}.onnx[.json]`. Every file is
written to a temporary name next to its target, checked, then renamed: a failed or corrupted
download never leaves a file behind. Blocking (urllib): run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import VoiceDownloadError

_LOGGER = logging.getLogger(__name__)

DEFAULT_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
VOICE_NAME = re.compile(
    r"^(?P<family>[^_\-]+)_(?P<region>[^\-]+)-(?P<name>[^\-]+)-(?P<quality>.+)$"
)
_SUFFIXES = (".onnx", ".onnx.json")
_BLOCK = 256 * 1024


@dataclass(frozen=True)
class RemoteFile:
    """One file of a voice in the repository."""

    path: str  # relative to the repository root
    size: int
    md5: str

    @property
    def file_name(self) -> str:
        """Name of the local file."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Progress:
    """How far one file's download has come."""

    file_name: str
    done: int
    total: int


def voice_path(voice: str, suffix: str = ".onnx") -> str:
    """Repository path of a voice file by the layout (en_US-lessac-medium → en/en_US/...)."""
    match = VOICE_NAME.match(voice)
    if match is None:
        raise VoiceDownloadError(
            f"{voice!r} is not a Piper voice name (LANGUAGE_REGION-NAME-QUALITY, "
            "e.g. en_US-lessac-medium)"
        )
    family, region = match["family"], match["region"]
    return f"{family}/{family}_{region}/{match['name']}/{match['quality']}/{voice}{suffix}"


def voice_files(index: dict[str, Any], voice: str) -> list[RemoteFile]:
    """The model and config entries of a voice in voices.json (also found by alias)."""
    entry = index.get(voice)
    if entry is None:
        entry = next(
            (item for item in index.values() if voice in (item.get("aliases") or [])), None
        )
    if not isinstance(entry, dict):
        raise VoiceDownloadError(f"voice {voice!r} is not in the repository's voices.json")
    key = entry.get("key", voice)
    files: list[RemoteFile] = []
    for suffix in _SUFFIXES:
        wanted = voice_path(key, suffix) if VOICE_NAME.match(key) else None
        listed = entry.get("files") or {}
        path = (
            wanted
            if wanted in listed
            else next((name for name in listed if name.endswith(f"{key}{suffix}")), None)
        )
        if path is None:
            raise VoiceDownloadError(f"voices.json lists no {suffix} file for {voice!r}")
        meta = listed[path]
        files.append(RemoteFile(path, int(meta["size_bytes"]), str(meta["md5_digest"])))
    return files


def file_matches(path: Path, remote: RemoteFile) -> bool:
    """True when path exists with the expected size and MD5."""
    try:
        if path.stat().st_size != remote.size:
            return False
    except FileNotFoundError:
        return False
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as file:
        for block in iter(lambda: file.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest() == remote.md5


class VoiceDownloader:
    """Downloads voices into one directory, verifying every file."""

    def __init__(
        self,
        base_url: str,
        download_dir: Path,
        *,
        timeout: float = 60.0,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.download_dir = download_dir
        self.timeout = timeout
        self._progress = progress or LogProgress()
        self._index: dict[str, Any] | None = None

    def index(self) -> dict[str, Any]:
        """The repository's voices.json (fetched once)."""
        if self._index is None:
            with self._open("voices.json") as response:
                try:
                    index = json.loads(response.read())
                except ValueError as err:
                    raise VoiceDownloadError(f"voices.json is not valid JSON: {err}") from err
            if not isinstance(index, dict):
                raise VoiceDownloadError("voices.json is not a JSON object")
            self._index = index
        return self._index

    def download(self, voice: str) -> Path:
        """Make sure voice's files are in the download directory; return the .onnx path."""
        self.download_dir.mkdir(parents=True, exist_ok=True)
        files = voice_files(self.index(), voice)
        for remote in files:
            target = self.download_dir / remote.file_name
            if file_matches(target, remote):
                _LOGGER.debug("%s is already downloaded", target)
                continue
            self._fetch(remote, target)
        return self.download_dir / files[0].file_name

    def _open(self, path: str) -> Any:
        url = f"{self.base_url}/{path}"
        try:
            return urllib.request.urlopen(url, timeout=self.timeout)
        except (urllib.error.URLError, OSError) as err:
            raise VoiceDownloadError(f"cannot download {url}: {err}") from err

    def _fetch(self, remote: RemoteFile, target: Path) -> None:
        started = time.monotonic()
        descriptor, temp_name = tempfile.mkstemp(
            dir=self.download_dir, prefix=f".{remote.file_name}.", suffix=".part"
        )
        temp = Path(temp_name)
        try:
            digest = hashlib.md5(usedforsecurity=False)
            done = 0
            with os.fdopen(descriptor, "wb") as file, self._open(remote.path) as response:
                self._progress(Progress(remote.file_name, 0, remote.size))
                while block := response.read(_BLOCK):
                    file.write(block)
                    digest.update(block)
                    done += len(block)
                    if done > remote.size:
                        raise VoiceDownloadError(
                            f"{remote.file_name}: more than the expected {remote.size} bytes"
                        )
                    self._progress(Progress(remote.file_name, done, remote.size))
                file.flush()
                os.fsync(file.fileno())
            if done != remote.size:
                raise VoiceDownloadError(
                    f"{remote.file_name}: got {done} bytes, expected {remote.size}"
                )
            if digest.hexdigest() != remote.md5:
                raise VoiceDownloadError(f"{remote.file_name}: checksum mismatch (MD5)")
            os.replace(temp, target)
        except (OSError, http.client.HTTPException) as err:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise VoiceDownloadError(f"{remote.file_name}: download failed: {err}") from err
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        seconds = time.monotonic() - started
        _LOGGER.info("Downloaded %s (%.1f MB in %.1f s)", target, remote.size / 1e6, seconds)


class LogProgress:
    """Logs each file's progress in 10 % steps, so a long download shows it is alive."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def __call__(self, progress: Progress) -> None:
        percent = 100 * progress.done // progress.total if progress.total > 0 else 100
        decile = percent // 10
        if progress.done and self._last.get(progress.file_name) == decile:
            return
        self._last[progress.file_name] = decile
        _LOGGER.info(
            "Downloading %s: %3d%% (%.1f of %.1f MB)",
            progress.file_name,
            percent,
            progress.done / 1e6,
            progress.total / 1e6,
        )


def download_voices(downloader: VoiceDownloader, voices: Sequence[str]) -> list[Path]:
    """Download each voice; failures are logged and skipped (returns what is available)."""
    paths: list[Path] = []
    for voice in voices:
        try:
            paths.append(downloader.download(voice))
        except VoiceDownloadError as err:
            _LOGGER.error("Cannot download voice %s: %s", voice, err)
    return paths
