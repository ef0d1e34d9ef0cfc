"""The commands: `wyoming-voice tts` (flags, environment, a real process end to end),
`wyoming-voice synthesize` and `wyoming-voice bench tts`."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from wyoming.event import Event
from wyoming.info import AsrModel, AsrProgram, Attribution, Info

from tests.support.services import REPO, running_service
from tests.support.tiny_piper import build_tiny_piper_voice
from wyoming_common.audio import read_wav
from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import parse_settings
from wyoming_common.handler import ServiceEventHandler
from wyoming_common.worker import ModelWorker
from wyoming_tts.__main__ import build_parser
from wyoming_tts.engines import build_engine
from wyoming_tts.espeak import EspeakEngine
from wyoming_tts.piper.engine import PiperEngine
from wyoming_tts.settings import TtsSettings
from wyoming_voice import synthesize as synthesize_cli
from wyoming_voice.bench import tts as bench
from wyoming_voice.bench.children import free_port

from .conftest import DUO, TINY, require_espeak
from .recognizer import CommandRecognizer
from .support import STEP, tts_service


def test_help_explains_every_flag_and_its_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser("wyoming-voice tts").parse_args(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag, variable in [
        ("--engine", "WYOMING_TTS_ENGINE"),
        ("--voice", "WYOMING_TTS_VOICE"),
        ("--data-dir", "WYOMING_TTS_DATA_DIR"),
        ("--download-voice", "WYOMING_TTS_DOWNLOAD_VOICE"),
        ("--voices-url", "WYOMING_TTS_VOICES_URL"),
        ("--device", "WYOMING_TTS_DEVICE"),
        ("--length-scale", "WYOMING_TTS_LENGTH_SCALE"),
        ("--noise-w", "WYOMING_TTS_NOISE_W"),
        ("--sentence-silence", "WYOMING_TTS_SENTENCE_SILENCE"),
        ("--no-streaming", "WYOMING_TTS_STREAMING"),
        ("--uri", "WYOMING_TTS_URI"),
    ]:
        assert flag in text and variable in text, flag
    assert "tcp://0.0.0.0:10200" in text


def test_flags_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WYOMING_TTS_VOICE", "en_US-lessac-medium")
    monkeypatch.setenv("WYOMING_TTS_DATA_DIR", f"{tmp_path}/a,{tmp_path}/b")
    monkeypatch.setenv("WYOMING_TTS_STREAMING", "0")
    monkeypatch.setenv("WYOMING_TTS_LENGTH_SCALE", "1.5")
    settings = parse_settings(
        TtsSettings, ["--voice", "en_GB-alba-medium"], prog="tts", env_prefix="WYOMING_TTS"
    )
    assert settings.service.uri == "tcp://0.0.0.0:10200"
    assert settings.voice == "en_GB-alba-medium"  # the flag wins over the environment
    assert settings.data_dirs == (tmp_path / "a", tmp_path / "b")
    assert settings.download_dir == tmp_path / "a"
    assert settings.streaming is False
    assert settings.speech.length_scale == 1.5
    assert settings.cache_bytes == 16 * 1024 * 1024


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--download-voice", "lessac"], "--download-voice"),
        (["--length-scale", "0"], "--length-scale"),
        (["--engine", "festival"], "--engine"),
        (["--voices-url", "ftp://x"], "--voices-url"),
    ],
)
def test_invalid_flags_name_the_flag(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_settings(TtsSettings, argv, prog="wyoming-voice tts", env_prefix="WYOMING_TTS")
    assert exited.value.code == 2
    assert flag in capsys.readouterr().err


def test_importing_the_service_loads_no_engine_library() -> None:
    code = (
        "import sys, wyoming_tts.__main__, wyoming_voice.bench.tts, wyoming_voice.synthesize\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('piper', 'onnxruntime', 'onnx')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)


async def test_auto_without_piper_voices_uses_espeak_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    require_espeak()
    settings = TtsSettings(data_dirs=(tmp_path,), download_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        engine = await ModelWorker("setup").run(build_engine, settings)
    assert isinstance(engine, EspeakEngine)
    assert "speaking with espeak-ng instead (no Piper voice found)" in caplog.text
    await ModelWorker("load").run(engine.load)
    assert engine.default_voice == "en-us"


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--voice", "en_US-nobody-medium"], "--voice"),  # auto, but the voice is explicit
        (["--engine", "piper"], "--data-dir"),
        (["--engine", "espeak-ng", "--voice", "nobody"], "--voice"),
        (["--device", "cuda"], "--device"),
    ],
)
def test_an_explicit_choice_that_cannot_be_honoured_exits_2_naming_the_flag(
    tmp_path: Path, argv: list[str], flag: str
) -> None:
    """The real command, as a user runs it: one line on stderr, exit status 2."""
    if "espeak-ng" in argv:
        require_espeak()
    voices = tmp_path / "voices"
    voices.mkdir()
    if flag == "--device":  # needs a Piper voice to get as far as choosing the device
        build_tiny_piper_voice(voices, "en_US-tiny-medium")
    result = subprocess.run(
        [sys.executable, "-m", "wyoming_tts", "--data-dir", str(voices), "--uri",
         f"tcp://127.0.0.1:{free_port()}", *argv],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and flag in errors[0], result.stderr
    assert "Traceback" not in result.stderr


async def test_server_process_and_synthesize_command(
    tmp_path: Path, recognizer: CommandRecognizer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Done when: `wyoming-voice tts --engine espeak-ng` + `wyoming-voice synthesize ...`
    gives speech a recogniser understands."""
    require_espeak()
    uri = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "WYOMING_TTS_DATA_DIR": str(tmp_path / "none")}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_tts", "--engine", "espeak-ng", "--uri", uri,
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with asyncio.timeout(30):
            while True:
                try:
                    info = await describe(uri, timeout=1.0)
                    break
                except ServiceUnavailableError:
                    assert server.returncode is None, "the server exited"
                    await asyncio.sleep(0.1)
        assert info.tts[0].voices[0].name == "en-us"
        for stream in (False, True):
            out = tmp_path / f"out-{stream}.wav"
            argv = ["Turn on the kitchen light", "-o", str(out), "--uri", uri]
            code = await asyncio.wait_for(
                asyncio.to_thread(synthesize_cli.main, [*argv, "--stream"] if stream else argv),
                STEP,
            )
            assert code == 0
            assert "first audio after" in capsys.readouterr().out
            pcm, fmt = read_wav(out)
            assert fmt.rate == 22050 and fmt.seconds(len(pcm)) > 0.8
            heard = await asyncio.to_thread(recognizer.transcribe, pcm, fmt)
            assert heard == "turn on the kitchen light"
    finally:
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(STEP):
            assert await server.wait() == 0


async def test_synthesize_command_reports_an_unreachable_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["Hi", "-o", str(tmp_path / "x.wav"), "--uri", f"tcp://127.0.0.1:{free_port()}"]
    assert await asyncio.wait_for(asyncio.to_thread(synthesize_cli.main, argv), STEP) == 1
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "x.wav").exists()


async def test_bench_prints_a_table_and_a_json_line(
    espeak_engine: EspeakEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    async with tts_service(espeak_engine, cache_bytes=1_000_000) as service:
        argv = ["--uri", service.uri, "--runs", "1", "--no-peer", "--wer-clips", "0"]
        code = await asyncio.wait_for(asyncio.to_thread(bench.main, argv), 60)
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("TTS bench:")
    result = json.loads(lines[-1])
    rows = {(row["text"], row["mode"]): row for row in result["results"]}
    assert set(rows) == {
        *((size, mode) for size in ("short", "medium", "long") for mode in ("single", "stream")),
        ("repeat", "single"),
    }
    assert rows[("long", "single")]["audio_s"] > rows[("short", "single")]["audio_s"] > 0
    # describe is timed while 10 sentences are spoken (a few ms here; the peer blocks).
    assert rows[("long", "single")]["describe_max_ms"] is not None
    assert rows[("short", "single")]["describe_max_ms"] is None


class _SpeechToTextInfo(ServiceEventHandler):
    """A service that is not a TTS (it answers describe like an STT) for the wrong-URI check."""

    async def handle_request(self, event: Event) -> bool:
        return True


def _stt_info() -> Info:
    attribution = Attribution(name="test", url="https://example.invalid")
    model = AsrModel(
        name="m", attribution=attribution, installed=True, description=None, version=None,
        languages=["en"],
    )  # fmt: skip
    program = AsrProgram(
        name="stt", attribution=attribution, installed=True, description=None, version=None,
        models=[model],
    )  # fmt: skip
    return Info(asr=[program])


async def _synthesize_cli(argv: list[str]) -> int:
    code: int = await asyncio.wait_for(asyncio.to_thread(synthesize_cli.main, argv), STEP)
    return code


async def test_synthesize_command_fails_clearly(
    piper_engine: PiperEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wav"
    async with tts_service(piper_engine) as service:
        ok = await _synthesize_cli(["Hi there.", "-o", str(out), "--uri", service.uri])
        assert ok == 0 and out.exists()
        capsys.readouterr()
        cases = [
            (["--voice", "nobody"], 2, "--voice nobody"),
            (["--voice", DUO, "--speaker", "zed"], 2, "--speaker zed"),
            (["-o", "/nonexistent/x.wav"], 2, "/nonexistent does not exist"),
            (["-o", str(tmp_path)], 2, "is a directory"),
        ]
        for extra, status, message in cases:
            argv = ["Hi.", "--uri", service.uri, *extra]
            if "-o" not in extra:
                argv += ["-o", str(tmp_path / "never.wav")]
            assert await _synthesize_cli(argv) == status, extra
            captured = capsys.readouterr()
            assert captured.out == "" and "Traceback" not in captured.err
            (line,) = captured.err.strip().splitlines()
            assert line.startswith("error: ") and message in line, line
        # The voice check is the server's own matching (case does not matter).
        argv = ["Hi.", "-o", str(out), "--uri", service.uri, "--voice", TINY.upper()]
        assert await _synthesize_cli(argv) == 0
    assert not (tmp_path / "never.wav").exists()
    factory = partial(_SpeechToTextInfo, info=_stt_info)
    async with running_service(factory, service="stt") as stt:
        argv = ["Hi.", "-o", str(tmp_path / "never.wav"), "--uri", stt.uri]
        assert await _synthesize_cli(argv) == 1
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "is not a text-to-speech service (it offers: speech-to-text)" in line
