"""Finding the GGUF file to load: a local path, or a Hugging Face hub id downloaded into
--download-dir. Runs in a worker thread (file and network I/O)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ..errors import ModelLoadError

_LOGGER = logging.getLogger(__name__)
GGUF_MAGIC = b"GGUF"
_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+(?:[:/][\w.-]+\.gguf)?$")
_PREFERRED_QUANTS = ("q4_k_m", "q4_0", "q5_k_m", "q8_0")


def choose_gpu_layers(requested: int | None, gpu_offload: bool) -> int:
    """--n-gpu-layers: None means auto (all layers when llama.cpp can offload, else none)."""
    if requested is None:
        return -1 if gpu_offload else 0
    if requested != 0 and not gpu_offload:
        _LOGGER.warning("--n-gpu-layers %d ignored: this llama.cpp build has no GPU", requested)
        return 0
    return requested


def check_gguf(path: Path) -> Path:
    """Raise ModelLoadError (naming --model) unless path is a readable GGUF file."""
    if not path.is_file():
        raise ModelLoadError(f"--model: {path} does not exist or is not a file")
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as err:
        raise ModelLoadError(f"--model: cannot read {path}: {err.strerror}") from err
    if magic != GGUF_MAGIC:
        raise ModelLoadError(f"--model: {path} is not a GGUF file (wrong header)")
    return path


def is_hub_id(spec: str) -> bool:
    """owner/repo, owner/repo:file.gguf or owner/repo/file.gguf."""
    return bool(_HUB_ID.match(spec)) and not spec.startswith((".", "/"))


def resolve_model(spec: str, download_dir: Path | None) -> Path:
    """The local GGUF for --model (downloading a hub id into download_dir when needed)."""
    path = Path(spec).expanduser()
    if path.exists() or not is_hub_id(spec):
        return check_gguf(path)
    return check_gguf(_download(spec, download_dir))


def _download(spec: str, download_dir: Path | None) -> Path:
    try:
        from huggingface_hub import HfApi, hf_hub_download
    except ImportError as err:
        raise ModelLoadError(
            f"--model: {spec!r} is not a file, and huggingface_hub is not installed to "
            "download it (pip install huggingface_hub)"
        ) from err
    repo_id, filename = _split_hub_id(spec)
    endpoint = os.environ.get("HF_ENDPOINT") or None  # a mirror, or a local test server
    try:
        if filename is None:
            api = HfApi(endpoint=endpoint)
            files = [f for f in api.list_repo_files(repo_id) if f.endswith(".gguf")]
            filename = pick_gguf(files)
            if filename is None:
                raise ModelLoadError(f"--model: no .gguf file in {repo_id}")
        _LOGGER.info("Downloading %s from %s", filename, repo_id)
        local = hf_hub_download(repo_id, filename, cache_dir=download_dir, endpoint=endpoint)
    except ModelLoadError:
        raise
    except Exception as err:  # the hub client raises many kinds; all mean "cannot get it"
        raise ModelLoadError(f"--model: cannot download {spec}: {err}") from err
    return Path(local)


def _split_hub_id(spec: str) -> tuple[str, str | None]:
    if ":" in spec:
        repo_id, filename = spec.split(":", 1)
        return repo_id, filename
    parts = spec.split("/")
    if len(parts) == 3:
        return "/".join(parts[:2]), parts[2]
    return spec, None


def pick_gguf(files: list[str]) -> str | None:
    """A sensible default quantisation among a repo's GGUF files."""
    for quant in _PREFERRED_QUANTS:
        for name in files:
            if quant in name.lower():
                return name
    return sorted(files)[0] if files else None
