"""Whisper model download through huggingface_hub, against a local hub server (HF_ENDPOINT)."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import numpy as np
import pytest

from wyoming_common.errors import ConfigError, EngineError
from wyoming_common.worker import CancelToken, ModelWorker
from wyoming_stt.engines import TranscriptionRequest, build_transcriber
from wyoming_stt.settings import parse
from wyoming_stt.whisper.engine import FasterWhisperTranscriber, WhisperOptions
from wyoming_stt.whisper.model_files import find_local_model, locate_model, repo_id_for

from .hub_server import COMMIT, HubRepository, running_hub

REPO_ID = "wyoming-voice-test/faster-whisper-tiny-test"


@pytest.fixture
def hub_repo(tiny_whisper_dir: Path) -> HubRepository:
    """The tiny model as a hub repository."""
    return HubRepository(REPO_ID, tiny_whisper_dir)


async def test_download_through_hf_endpoint_then_load(
    hub_repo: HubRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_stt")
    download_dir = tmp_path / "models"
    async with running_hub(hub_repo) as endpoint:
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        async with asyncio.timeout(60):
            path = await asyncio.to_thread(
                locate_model, REPO_ID, [tmp_path / "empty"], download_dir
            )
    assert path == download_dir / "faster-whisper-tiny-test"
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.json"):
        assert (path / name).read_bytes() == (hub_repo.folder / name).read_bytes()
    # The requests huggingface_hub 2.x makes: repo info, file tree, then HEAD + GET per file.
    assert ("GET", f"/api/models/{REPO_ID}/revision/main") in hub_repo.requests
    assert ("GET", f"/api/models/{REPO_ID}/tree/{COMMIT}") in hub_repo.requests
    assert ("GET", f"/{REPO_ID}/resolve/{COMMIT}/model.bin") in hub_repo.requests
    assert f"Downloading Whisper model {REPO_ID} from {endpoint}" in caplog.text
    assert "Downloading wyoming-voice-test/faster-whisper-tiny-test: 100%" in caplog.text

    # Offline now (the hub is gone): the downloaded copy is found by name and loads.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert find_local_model(REPO_ID, [download_dir]) == path
    engine = FasterWhisperTranscriber(
        WhisperOptions(model=REPO_ID, device="cpu", compute_type="int8", data_dirs=(download_dir,))
    )
    worker = ModelWorker("download-test")
    async with asyncio.timeout(60):
        card = await worker.run(engine.load)
    try:
        assert card.name == REPO_ID
        assert card.attribution_url == f"https://huggingface.co/{REPO_ID}"
        request = TranscriptionRequest(audio=np.zeros(16000, np.float32))
        segments = engine.transcribe_batch([request], CancelToken())[0]
        assert [s.text for s in segments] == [""]
    finally:
        engine.close()


async def test_missing_repository_is_an_engine_error(
    hub_repo: HubRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_hub(hub_repo) as endpoint:
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        with pytest.raises(EngineError, match="cannot download"):
            async with asyncio.timeout(60):
                await asyncio.to_thread(locate_model, "nobody/no-such-model", [], tmp_path)


def test_names_map_to_systran_repositories(tmp_path: Path) -> None:
    assert repo_id_for("small.en") == "Systran/faster-whisper-small.en"
    assert repo_id_for("org/custom") == "org/custom"
    with pytest.raises(ConfigError, match="--model: unknown Whisper model"):
        repo_id_for("huge")
    with pytest.raises(ConfigError, match=r"--model: .* is not a CTranslate2 Whisper model"):
        locate_model(str(tmp_path), [], tmp_path)
    with pytest.raises(ConfigError, match="--model: no such folder"):
        locate_model(str(tmp_path / "nope" / "model"), [], tmp_path)
    with pytest.raises(ConfigError, match=r"--model: .* is a file"):
        (tmp_path / "model.bin").write_bytes(b"x")
        locate_model(str(tmp_path / "model.bin"), [], tmp_path)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_an_explicit_model_that_cannot_be_downloaded_does_not_fall_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--model tiny with no copy on disk and no hub reachable: an engine error, no fallback."""
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    settings = parse(["--model", "tiny", "--device", "cpu", "--data-dir", str(tmp_path)])
    transcriber = build_transcriber(settings)
    assert transcriber.engine_name == "faster-whisper"
    try:
        with pytest.raises(EngineError, match="cannot download Whisper model"):
            async with asyncio.timeout(60):
                await ModelWorker("no-fallback-test").run(transcriber.load)
    finally:
        transcriber.close()
