"""Command lines: satellite flags and env, --list-devices, `pipeline` and `bench pipeline`."""

from __future__ import annotations

import asyncio
import json
import shutil
import wave
from pathlib import Path

import pytest

from satellite.devices.listing import format_devices, parse_alsa_list
from satellite.devices.settings import DEFAULT_MIC_COMMAND
from satellite.settings import parse_satellite_settings as parse_settings
from wyoming_voice import cli, pipeline_cli
from wyoming_voice.bench import pipeline as bench

from .harness import command_clip
from .wyoming_services import closed_port_uri, pipeline_services

pytestmark = pytest.mark.timeout(60)


def test_help_explains_every_flag_and_its_env(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["satellite", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for flag in (
        "--mic-command",
        "--snd-uri",
        "--wake-word",
        "--stt-uri",
        "--event-command",
        "--zeroconf",
        "--list-devices",
        "--preroll",
        "--mic-noise-suppression",
    ):
        assert flag in text
    assert "[env: WYOMING_SATELLITE_WAKE_WORD]" in text


def test_defaults() -> None:
    settings = parse_settings([], "satellite", environ={})
    assert settings is not None
    assert settings.mic.command == DEFAULT_MIC_COMMAND and settings.wake.words == ("okay_nabu",)
    assert settings.wake.engine == "micro" and not settings.standalone.enabled
    assert settings.service.uri == "tcp://0.0.0.0:10700"
    assert settings.snd.command and "aplay" in settings.snd.command


def test_environment_and_explicit_flags() -> None:
    env = {
        "WYOMING_SATELLITE_WAKE_WORD": "okay_nabu,hey_jarvis",
        "WYOMING_SATELLITE_AREA": "Office",
        "WYOMING_SATELLITE_STT_URI": "tcp://gpu:10300",
        "WYOMING_SATELLITE_SND_VOLUME": "0.5",
    }
    settings = parse_settings([], "satellite", environ=env)
    assert settings is not None
    assert settings.wake.words == ("okay_nabu", "hey_jarvis")
    assert settings.area == "Office" and settings.snd.volume == 0.5
    assert settings.standalone.enabled and settings.standalone.stt_uri == "tcp://gpu:10300"
    flagged = parse_settings(
        ["--wake-word", "alexa", "--wake-word", "hey_mycroft"], "satellite", environ=env
    )
    assert flagged is not None and flagged.wake.words == ("alexa", "hey_mycroft")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--mic-wav", "/nonexistent.wav"], "--mic-wav: no such file"),
        (["--snd-volume", "1.5"], "--snd-volume"),
        (["--stt-uri", "http://x"], "--stt-uri"),
        (["--vad-silence", "20"], "--vad-silence"),
        (["--wake-engine", "porcupine"], "--wake-engine"),
        (
            ["--duck-get-command", "wpctl get-volume 'x", "--duck-set-command", "wpctl {volume}"],
            "--duck-get-command: No closing quotation",
        ),
        (
            ["--duck-get-command", "wpctl get-volume x", "--duck-set-command", 'a "{volume}'],
            "--duck-set-command: No closing quotation",
        ),
    ],
)
def test_invalid_flags_are_named(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_settings(argv, "satellite", environ={})
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_alsa_device_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = (
        "null\n    Discard all samples (playback) or generate zero samples (capture)\n"
        "plughw:CARD=seeed2micvoicec,DEV=0\n    seeed-2mic-voicecard, bcm2835-i2s-wm8960-hifi\n"
        "    Hardware device with all software conversions\n"
    )
    devices = parse_alsa_list(sample)
    assert [d.name for d in devices] == ["null", "plughw:CARD=seeed2micvoicec,DEV=0"]
    assert "all software conversions" in devices[1].description
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "install alsa-utils" in format_devices()


@pytest.mark.skipif(shutil.which("arecord") is None, reason="alsa-utils not installed")
def test_list_devices_with_real_alsa(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["satellite", "--list-devices"]) == 0
    assert "Capture devices" in capsys.readouterr().out


async def _in_thread(func: object, *args: object) -> int:
    return await asyncio.wait_for(asyncio.to_thread(func, *args), 30)  # type: ignore[arg-type]


async def test_pipeline_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reply_wav = tmp_path / "reply.wav"
    async with pipeline_services(agent_pause=0.05) as (stt, agent, tts, _records):
        argv = [
            str(command_clip()),
            "--stt-uri",
            stt,
            "--agent-uri",
            agent,
            "--tts-uri",
            tts,
            "-o",
            str(reply_wav),
        ]
        assert await _in_thread(pipeline_cli.main, argv) == 0
        out = capsys.readouterr().out
        assert await _in_thread(pipeline_cli.main, [*argv[:7], "--json"]) == 0
        record = json.loads(capsys.readouterr().out)
    assert "transcript: turn on the kitchen lights" in out
    assert "end of speech → first audio" in out
    with wave.open(str(reply_wav), "rb") as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050
    assert record["tts_streamed"] and record["timings"]["first_audio"] > 0


def test_pipeline_command_reports_missing_services(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        pipeline_cli.main([str(command_clip())])
    assert exited.value.code == 2
    [line, _hint] = capsys.readouterr().err.strip().splitlines()
    assert "error: --stt-uri: required (or --discover to find it)" in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/nonexistent.wav"], "/nonexistent.wav: No such file or directory"),
        (["{not_wav}"], "not a PCM WAV file"),
        (["{clip}", "-o", "/nonexistent/reply.wav"], "-o /nonexistent/reply.wav: cannot write"),
        (["{clip}", "--stt-uri", "foo"], "--stt-uri"),
    ],
)
def test_pipeline_command_usage_errors_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not audio", encoding="utf-8")
    uris = ["--stt-uri", "tcp://127.0.0.1:1", "--agent-uri", "tcp://127.0.0.1:1"]
    uris += ["--tts-uri", "tcp://127.0.0.1:1"]
    argv = [a.format(not_wav=not_wav, clip=command_clip()) for a in argv] + uris
    with pytest.raises(SystemExit) as exited:
        pipeline_cli.main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err.splitlines()[0]


def test_pipeline_command_with_services_down_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    down = closed_port_uri()
    argv = [str(command_clip()), "--stt-uri", down, "--agent-uri", down, "--tts-uri", down]
    assert pipeline_cli.main(argv) == 1
    assert capsys.readouterr().err.startswith("error: stt: cannot connect")


async def test_bench_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    folder = command_clip().parent
    async with pipeline_services(agent_pause=0.02) as (stt, agent, tts, _records):
        argv = [
            "--stt-uri",
            stt,
            "--agent-uri",
            agent,
            "--tts-uri",
            tts,
            "--audio",
            str(folder),
            "--limit",
            "3",
        ]
        assert await _in_thread(bench.main, argv) == 0
    out = capsys.readouterr().out
    record = json.loads(out.strip().splitlines()[-1])
    stages = record["standalone"]["stages"]
    assert record["commands"] == 3 and stages["first_audio"]["n"] == 3
    assert stages["first_audio"]["p50"] <= stages["first_audio"]["p95"]
    assert "end of speech → first audio" in out


def test_percentiles() -> None:
    assert bench.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert bench.percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def test_satellite_refuses_an_unknown_wake_word(capsys: pytest.CaptureFixture[str]) -> None:
    from satellite.__main__ import main

    assert main(["--wake-word", "hey_computer", "--uri", "tcp://127.0.0.1:0"]) == 2
    assert "unknown microWakeWord model 'hey_computer'" in capsys.readouterr().err
