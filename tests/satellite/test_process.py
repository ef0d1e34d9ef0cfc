"""`python -m satellite` as a real process: CLI wiring, HA round trip, clean SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest
from wyoming.info import Info

from tests.fake_hass.wyoming_service import SatelliteConnection
from tests.support.services import REPO
from wyoming_voice.bench.children import free_port

from .audio_services import Playback, SndHandler
from .harness import command_clip, wake_clip
from .wyoming_services import serve, speech_audio

pytestmark = pytest.mark.timeout(60)


async def test_satellite_process_serves_home_assistant() -> None:
    playbacks: list[Playback] = []
    async with serve(SndHandler, Info(), playbacks=playbacks) as snd:
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "satellite",
            "--uri",
            f"tcp://127.0.0.1:{port}",
            "--mic-wav",
            str(wake_clip()),
            "--mic-wav",
            str(command_clip()),
            "--snd-uri",
            snd.uri,
            "--name",
            "Process satellite",
            "--area",
            "Hall",
            cwd=REPO,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            ha = SatelliteConnection(f"tcp://127.0.0.1:{port}")
            async with asyncio.timeout(20):
                while True:
                    try:
                        await ha.connect()
                        break
                    except OSError:
                        await asyncio.sleep(0.1)
            try:
                await ha.wait_for("detection", timeout=20)
                await ha.wait_for("run-pipeline")
                await ha.collect_audio(seconds=1.0)
                await ha.pipeline_stt_events("turn on the kitchen lights")
                await ha.send_audio(speech_audio("Turned on the lights"))
                await ha.wait_for("played")
                assert ha.info is not None and ha.info.satellite is not None
                assert ha.info.satellite.name == "Process satellite"
            finally:
                await ha.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 15)
            assert proc.stderr is not None
            log = (await proc.stderr.read()).decode()
    assert code == 0, log
    assert "satellite ready at tcp://127.0.0.1" in log and "satellite stopped" in log
    assert playbacks and playbacks[-1].stopped is not None
