"""Issue 16 item 5: other audio is ducked while the satellite speaks and restored exactly
afterwards, unless the volume was changed meanwhile (e.g. by voice)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from satellite.devices.ducking import Ducker, VolumeCommand, parse_volume
from satellite.devices.player import AudioPlayer
from wyoming_common.audio import AudioFormat

from .room import RoomSpeaker

pytestmark = pytest.mark.timeout(30)

# A mixer with one volume, kept in a file (the way wpctl/amixer keep theirs in the sound server).
MIXER = """
import pathlib, sys
state = pathlib.Path(sys.argv[1])
if sys.argv[2] == "get":
    print(f"Volume: {float(state.read_text()):.2f}")
else:
    state.write_text(sys.argv[3])
"""


def mixer(tmp_path: Path, volume: float) -> tuple[Path, VolumeCommand]:
    script, state = tmp_path / "mixer.py", tmp_path / "volume"
    script.write_text(MIXER)
    state.write_text(str(volume))
    base = f"{sys.executable} {script} {state}"
    return state, VolumeCommand(f"{base} get", f"{base} set {{volume}}")


def test_volume_outputs() -> None:
    assert parse_volume("Volume: 0.40") == 0.4
    assert parse_volume("Mono: Playback 52 [41%] [-20.00dB] [on]") == 0.52
    assert parse_volume("  Front Left: 65536 / 100% / 0.00 dB") == 1.0
    assert parse_volume("[41%]") == pytest.approx(0.41)


async def _volume_becomes(state: Path, value: float, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while (text := state.read_text()) == "" or float(text) != pytest.approx(value):
            await asyncio.sleep(0.02)  # (empty: the mixer is writing it right now)


async def _speak(player: AudioPlayer, seconds: float) -> None:
    fmt = AudioFormat(22050, 2, 1)
    stream = player.open(fmt, "reply")
    stream.feed(bytes(int(fmt.rate * seconds) * 2))
    stream.finish()
    await stream.wait()


async def test_ducked_while_speaking_and_restored_exactly(tmp_path: Path) -> None:
    state, volume = mixer(tmp_path, 0.73)
    player = AudioPlayer(RoomSpeaker(speed=1.0), lead_in_seconds=0)
    player.observer = Ducker(volume, level=0.3)
    await player.start()
    try:
        speaking = asyncio.create_task(_speak(player, 3.0))
        await _volume_becomes(state, 0.219)
        assert not speaking.done()  # ducked while the satellite speaks
        await speaking
        await _volume_becomes(state, 0.73)
    finally:
        await player.stop()


async def test_a_volume_set_meanwhile_is_kept(tmp_path: Path) -> None:
    state, volume = mixer(tmp_path, 0.6)
    player = AudioPlayer(RoomSpeaker(speed=1.0), lead_in_seconds=0)
    player.observer = Ducker(volume, level=0.3)
    await player.start()
    try:
        speaking = asyncio.create_task(_speak(player, 3.0))
        await _volume_becomes(state, 0.18)
        await volume.set(0.35)  # "set the volume to 35 percent" while the reply plays
        await speaking
        await asyncio.sleep(0.5)
        while player.observer.ducked:  # type: ignore[union-attr]
            await asyncio.sleep(0.02)
        assert float(state.read_text()) == pytest.approx(0.35)
    finally:
        await player.stop()
