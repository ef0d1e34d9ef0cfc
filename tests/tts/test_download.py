"""Voice downloads from a local aiohttp server laid out like rhasspy/piper-voices.

The downloader blocks (urllib), while the server runs on the test's event loop: every download
must therefore go through a worker thread, or the test would hang."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.tiny_piper import build_tiny_piper_voice
from wyoming_common.errors import ConfigError
from wyoming_common.worker import ModelWorker
from wyoming_tts.engines import build_engine
from wyoming_tts.errors import VoiceDownloadError
from wyoming_tts.piper.download import Progress, VoiceDownloader, voice_files, voice_path
from wyoming_tts.piper.engine import PiperEngine
from wyoming_tts.piper.voices import find_piper_voices
from wyoming_tts.settings import TtsSettings

from .support import STEP, all_audio, speak_once, tts_service

VOICE = "en_US-tiny-medium"
BROKEN = "en_GB-broken-low"  # served with a corrupted model (right size, wrong bytes)
SHORT = "en_GB-short-low"  # served truncated


@dataclass
class VoiceHub:
    """Files by repository path, and the paths clients asked for."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""


def _entry(voice: str, files: dict[str, bytes]) -> dict[str, object]:
    return {
        "key": voice,
        "name": voice.split("-")[1],
        "language": {"code": voice.split("-", maxsplit=1)[0]},
        "quality": voice.split("-")[2],
        "num_speakers": 1,
        "speaker_id_map": {},
        "files": {
            path: {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
            for path, data in files.items()
        },
        "aliases": [f"{voice.split('-', maxsplit=1)[0]}-old-alias"] if voice == VOICE else [],
    }


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[VoiceHub]:
    """The voice repository on a loopback port."""
    source = tmp_path / "source"
    build_tiny_piper_voice(source, VOICE)
    hub = VoiceHub()
    index: dict[str, object] = {}
    for voice in (VOICE, BROKEN, SHORT):
        files = {
            voice_path(voice, suffix): (source / f"{VOICE}{suffix}").read_bytes()
            for suffix in (".onnx", ".onnx.json")
        }
        files[voice_path(voice, "").rsplit("/", 1)[0] + "/MODEL_CARD"] = b"card"
        index[voice] = _entry(voice, files)
        hub.files.update(files)
    model = voice_path(BROKEN)
    hub.files[model] = bytes(len(hub.files[model]))  # same size, wrong checksum
    short = voice_path(SHORT)
    hub.files[short] = hub.files[short][:100]
    hub.files["voices.json"] = json.dumps(index).encode()

    async def serve(request: web.Request) -> web.Response:
        path = request.match_info["path"]
        hub.requests.append(path)
        if path not in hub.files:
            raise web.HTTPNotFound()
        data = hub.files[path]
        if path == short:  # announce the real length, send less, then hang up
            response = web.StreamResponse(headers={"Content-Length": str(len(data) + 1000)})
            await response.prepare(request)
            await response.write(data)
            request.transport.close()  # type: ignore[union-attr]
            return response  # type: ignore[return-value]
        return web.Response(body=data)

    app = web.Application()
    app.router.add_get("/resolve/main/{path:.+}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hub.url = f"http://127.0.0.1:{port}/resolve/main"
    try:
        yield hub
    finally:
        await runner.cleanup()


async def _download(downloader: VoiceDownloader, voice: str) -> Path:
    async with asyncio.timeout(STEP):
        return await ModelWorker("download").run(downloader.download, voice)


def test_voice_path_layout() -> None:
    assert voice_path("en_US-lessac-medium") == "en/en_US/lessac/medium/en_US-lessac-medium.onnx"
    assert voice_path("de_DE-thorsten-low", ".onnx.json") == (
        "de/de_DE/thorsten/low/de_DE-thorsten-low.onnx.json"
    )
    with pytest.raises(VoiceDownloadError):
        voice_path("lessac")


def test_voice_files_from_index() -> None:
    index = {
        "en_US-a-low": {
            "key": "en_US-a-low",
            "files": {
                "en/en_US/a/low/en_US-a-low.onnx": {"size_bytes": 3, "md5_digest": "x"},
                "en/en_US/a/low/en_US-a-low.onnx.json": {"size_bytes": 2, "md5_digest": "y"},
                "en/en_US/a/low/MODEL_CARD": {"size_bytes": 1, "md5_digest": "z"},
            },
            "aliases": ["en-us-a-low"],
        }
    }
    files = voice_files(index, "en-us-a-low")
    assert [(f.file_name, f.size, f.md5) for f in files] == [
        ("en_US-a-low.onnx", 3, "x"),
        ("en_US-a-low.onnx.json", 2, "y"),
    ]
    with pytest.raises(VoiceDownloadError, match="not in the repository"):
        voice_files(index, "en_US-b-low")


async def test_download_verifies_and_loads(hub: VoiceHub, tmp_path: Path) -> None:
    seen: list[Progress] = []
    target = tmp_path / "voices"
    downloader = VoiceDownloader(hub.url, target, progress=seen.append)
    model = await _download(downloader, VOICE)

    assert model == target / f"{VOICE}.onnx"
    assert sorted(path.name for path in target.iterdir()) == [f"{VOICE}.onnx", f"{VOICE}.onnx.json"]
    assert model.read_bytes() == hub.files[voice_path(VOICE)]
    finals = [p for p in seen if p.done == p.total]
    assert {p.file_name for p in finals} == {f"{VOICE}.onnx", f"{VOICE}.onnx.json"}
    assert VOICE in find_piper_voices([target])

    hub.requests.clear()
    again = VoiceDownloader(hub.url, target)  # a fresh start: index again, files kept
    await _download(again, VOICE)
    assert hub.requests == ["voices.json"]


async def test_corrupted_file_is_rejected_and_leaves_nothing(hub: VoiceHub, tmp_path: Path) -> None:
    target = tmp_path / "voices"
    with pytest.raises(VoiceDownloadError, match="checksum"):
        await _download(VoiceDownloader(hub.url, target), BROKEN)
    assert list(target.iterdir()) == []


async def test_truncated_file_is_rejected_and_leaves_nothing(hub: VoiceHub, tmp_path: Path) -> None:
    target = tmp_path / "voices"
    with pytest.raises(VoiceDownloadError):
        await _download(VoiceDownloader(hub.url, target), SHORT)
    assert list(target.iterdir()) == []


async def test_corrupted_local_file_is_replaced(hub: VoiceHub, tmp_path: Path) -> None:
    target = tmp_path / "voices"
    target.mkdir()
    (target / f"{VOICE}.onnx").write_bytes(b"half a file")
    await _download(VoiceDownloader(hub.url, target), VOICE)
    assert (target / f"{VOICE}.onnx").read_bytes() == hub.files[voice_path(VOICE)]


async def test_unknown_voice_and_unreachable_server(hub: VoiceHub, tmp_path: Path) -> None:
    with pytest.raises(VoiceDownloadError, match="not in the repository"):
        await _download(VoiceDownloader(hub.url, tmp_path), "en_US-nobody-low")
    with pytest.raises(VoiceDownloadError, match="cannot download"):
        await _download(VoiceDownloader(hub.url + "/missing", tmp_path), VOICE)


async def test_service_start_downloads_then_speaks(hub: VoiceHub, tmp_path: Path) -> None:
    settings = TtsSettings(
        data_dirs=(tmp_path / "voices",),
        download_dir=tmp_path / "voices",
        download_voices=(VOICE, BROKEN),
        voices_url=hub.url,
        device="cpu",
    )
    async with asyncio.timeout(STEP):
        engine = await ModelWorker("setup").run(build_engine, settings)
    assert isinstance(engine, PiperEngine)
    assert [voice.name for voice in engine.voices()] == [VOICE]  # the broken one was skipped
    async with tts_service(engine) as service:
        async with asyncio.timeout(STEP):
            assert all_audio(await speak_once(service.uri, "Hello there.")) != b""

    # Already there: no network needed at the next start.
    hub.requests.clear()
    offline = TtsSettings(
        data_dirs=settings.data_dirs,
        download_dir=settings.download_dir,
        download_voices=(VOICE,),
        voices_url="http://127.0.0.1:9/unreachable",
        engine="piper",
        voice=VOICE,
        device="cpu",
    )
    async with asyncio.timeout(STEP):
        engine = await ModelWorker("setup").run(build_engine, offline)
    assert engine.default_voice == VOICE and hub.requests == []


async def test_piper_engine_without_voices_names_the_flag(tmp_path: Path) -> None:
    settings = TtsSettings(engine="piper", data_dirs=(tmp_path,), download_dir=tmp_path)
    with pytest.raises(ConfigError, match="--data-dir"):
        await ModelWorker("setup").run(build_engine, settings)
