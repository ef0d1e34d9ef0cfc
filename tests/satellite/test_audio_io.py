"""Microphone and speaker plumbing: command pipes, remote Wyoming mic/snd, conversion, player."""

from __future__ import annotations

import asyncio
import sys

import numpy as np
import pytest
from wyoming.audio import AudioChunk
from wyoming.event import Event
from wyoming.info import Info

from satellite.devices.capture import AudioBlock, AudioCapture, MicProcessor, load_enhancer
from satellite.devices.mic import CommandMicrophone, WavMicrophone
from satellite.devices.playback_stream import PlaybackStream
from satellite.devices.player import AudioPlayer
from satellite.devices.remote_audio import WyomingMicrophone, WyomingSpeaker
from satellite.devices.sounds import ALARM, ERROR, Sound
from satellite.devices.speaker import CommandSpeaker
from satellite.errors import AudioDeviceError
from satellite.wake.preroll import PrerollBuffer
from voice_pipeline.convert import PcmConverter, scale_pcm16
from wyoming_common.audio import STT_FORMAT, AudioFormat, convert_pcm, float_to_pcm16
from wyoming_common.errors import ConfigError
from wyoming_common.handler import ServiceEventHandler

from .audio_services import Playback, SndHandler
from .harness import command_clip, pcm_of
from .wyoming_services import serve

pytestmark = pytest.mark.timeout(30)

PY = sys.executable


def sine(rate: int, seconds: float, channels: int = 1) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    mono = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return float_to_pcm16(np.repeat(mono, channels))


async def test_command_microphone_converts_48k_stereo() -> None:
    source = sine(48000, 1.0, channels=2)
    script = (
        "import math, struct, sys; sys.stdout.buffer.write(b''.join(struct.pack('<hh', v, v) "
        "for v in (int(0.3 * 32767 * math.sin(2 * math.pi * 440 * i / 48000)) "
        "for i in range(48000))))"
    )
    command = f'{PY} -c "{script}"'
    mic = CommandMicrophone(command, AudioFormat(48000, 2, 2))
    capture = AudioCapture(mic, MicProcessor(), retry_seconds=(5.0, 5.0))
    await capture.start()
    received = bytearray()
    try:
        async with asyncio.timeout(10):
            async for block in capture.blocks():
                received.extend(block.audio)
                if len(received) >= 31000:
                    break
    finally:
        await capture.stop()
    assert 31000 <= len(received) <= 32000
    expected = convert_pcm(source, AudioFormat(48000, 2, 2), STT_FORMAT)
    got = np.frombuffer(bytes(received[:30000]), "<i2").astype(float)
    ref = np.frombuffer(expected[:30000], "<i2").astype(float)
    assert np.corrcoef(got[500:], ref[500:])[0, 1] > 0.99


async def test_command_microphone_that_fails_reports_it() -> None:
    mic = CommandMicrophone(f"{PY} -c \"import sys; sys.exit('no such device')\"", STT_FORMAT)
    with pytest.raises(AudioDeviceError, match="no such device"):
        async with asyncio.timeout(10):
            async for _raw in mic.open():
                pass
    with pytest.raises(AudioDeviceError, match="cannot start"):
        async for _raw in CommandMicrophone("/nonexistent/arecord", STT_FORMAT).open():
            pass


async def test_command_speaker_gets_converted_audio(tmp_path: object) -> None:
    script = "import sys; n = len(sys.stdin.buffer.read()); sys.stderr.write(str(n)); sys.exit(3)"
    speaker = CommandSpeaker(f"{PY} -c '{script}'", AudioFormat(22050, 2, 1))

    async def audio() -> object:
        pcm = sine(16000, 1.0)
        for i in range(0, len(pcm), 1000):
            yield pcm[i : i + 1000]

    with pytest.raises(AudioDeviceError) as err:
        async with asyncio.timeout(10):
            await speaker.play(STT_FORMAT, audio())  # type: ignore[arg-type]
    # The program saw one second at 22050 Hz (its exit code 3 is reported with its stderr).
    count = int(str(err.value).rsplit(":", 1)[1])
    assert abs(count - 44100) <= 4


async def test_player_plays_in_order_with_lead_in_and_volume() -> None:
    playbacks: list[Playback] = []
    async with serve(SndHandler, Info(), playbacks=playbacks) as snd:
        player = AudioPlayer(WyomingSpeaker(snd.uri), volume=0.5, lead_in_seconds=0.1)
        await player.start()
        try:
            first = player.play_sound(ALARM, "alarm")
            stream = player.open(AudioFormat(16000, 2, 1), "reply")
            assert player.busy
            pcm = sine(16000, 0.5)
            for i in range(0, len(pcm), 700):  # odd chunk sizes are fine
                stream.feed(pcm[i : i + 700])
            stream.finish()
            async with asyncio.timeout(10):
                await first.wait()
                await stream.wait()
        finally:
            await player.stop()
    assert [p.fmt.rate for p in playbacks] == [22050, 16000]
    lead = int(16000 * 0.1) * 2
    assert playbacks[1].audio[:lead] == bytes(lead)
    assert playbacks[1].audio[lead:] == scale_pcm16(pcm, 0.5)
    assert not player.busy


async def test_player_survives_a_broken_speaker() -> None:
    player = AudioPlayer(CommandSpeaker("/nonexistent/aplay", STT_FORMAT))
    await player.start()
    try:
        async with asyncio.timeout(10):
            await player.play_sound(ERROR, "error").wait()
            await player.play_sound(ERROR, "error").wait()
    finally:
        await player.stop()


class MicService(ServiceEventHandler):
    """A Wyoming microphone service: streams a clip on connect, then closes."""

    service = "test-mic"

    def __init__(self, *args: object, pcm: bytes, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.pcm = pcm
        self.start_task(self._stream(), "stream")

    async def _stream(self) -> None:
        for i in range(0, len(self.pcm), 2048):
            await self.write_event(AudioChunk(16000, 2, 1, self.pcm[i : i + 2048]).event())
        await self.close()

    async def handle_request(self, event: Event) -> bool:
        return True


async def test_remote_microphone() -> None:
    pcm = pcm_of(command_clip())
    async with serve(MicService, Info(), pcm=pcm) as service:
        received = bytearray()
        with pytest.raises(AudioDeviceError, match="closed"):
            async with asyncio.timeout(10):
                async for raw in WyomingMicrophone(service.uri).open():
                    assert raw.fmt == STT_FORMAT
                    received.extend(raw.audio)
    assert bytes(received) == pcm


async def test_wav_microphone_paces_and_pads_with_silence() -> None:
    mic = WavMicrophone([command_clip()], speed=20.0)
    received = bytearray()
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(10):
        async for raw in mic.open():
            received.extend(raw.audio)
            if len(received) >= 32000 * 4:
                break
    elapsed = loop.time() - started
    assert 4.0 / 20 * 0.8 < elapsed < 4.0 / 20 * 10  # paced, not a burst
    assert bytes(received).startswith(pcm_of(command_clip()))
    assert received.endswith(bytes(32000))


def test_streaming_conversion_equals_whole_conversion() -> None:
    pcm = sine(44100, 1.0, channels=2)
    src, dst = AudioFormat(44100, 2, 2), AudioFormat(22050, 2, 1)
    converter = PcmConverter(src, dst)
    pieces = b"".join(converter.convert(pcm[i : i + 999]) for i in range(0, len(pcm), 999))
    pieces += converter.flush()
    whole = np.frombuffer(convert_pcm(pcm, src, dst), "<i2").astype(float)
    streamed = np.frombuffer(pieces, "<i2").astype(float)
    assert abs(len(streamed) - len(whole)) <= 2
    n = min(len(whole), len(streamed)) - 100
    # The same signal, aligned, with no clicks at the chunk boundaries.
    assert np.max(np.abs(streamed[100:n] - whole[100:n])) < 200
    assert np.max(np.abs(np.diff(streamed[100:n]))) < 1.05 * np.max(np.abs(np.diff(whole[100:n])))


def test_mic_processor_gain_clips_instead_of_wrapping() -> None:
    loud = np.full(160, 20000, dtype="<i2").tobytes()
    out = np.frombuffer(MicProcessor(volume=3.0).process(loud, STT_FORMAT), "<i2")
    assert out.min() == out.max() == 32767


def test_noise_suppression_needs_its_package() -> None:
    assert load_enhancer(0, 0) is None
    try:
        import webrtc_noise_gain  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="--mic-noise-suppression"):
            load_enhancer(2, 0)
    else:
        processor = MicProcessor(enhancer=load_enhancer(2, 3))
        out = processor.process(sine(16000, 0.5), STT_FORMAT)
        assert len(out) == 16000


def test_preroll_keeps_the_last_moments() -> None:
    buffer = PrerollBuffer(0.3)
    for i in range(20):
        buffer.append(AudioBlock(bytes(2048), i * 64))
    blocks = buffer.snapshot()
    assert 0.3 <= len(blocks) * 0.064 < 0.3 + 0.064
    assert blocks[-1].timestamp == 19 * 64 and buffer.snapshot() == []


def test_builtin_tones() -> None:
    for sound in (ALARM, ERROR):
        assert isinstance(sound, Sound) and 0.3 < sound.seconds < 1.5


def test_preroll_after_a_timestamp_drops_what_came_before() -> None:
    """A local wake word's own audio stays out of the command."""
    buffer = PrerollBuffer(1.0)
    for timestamp in range(0, 100, 10):
        buffer.append(AudioBlock(bytes(320), timestamp))
    assert [b.timestamp for b in buffer.snapshot(after=70)] == [80, 90]
    assert buffer.snapshot() == []


async def test_a_cancel_that_meets_the_end_of_the_stream_reaches_the_speaker() -> None:
    """The stop word cancels the stream and the playback task at once: the speaker must see
    the cancel (and stop at once), not a stream that merely ended (asyncio.wait_for on Python
    3.11 dropped that cancel; seen in CI as a reply "played" to its end after a stop)."""
    stream = PlaybackStream(AudioFormat(22050, 2, 1), "reply")

    async def speaker() -> None:
        async for _chunk in stream.chunks():
            pass

    task = asyncio.create_task(speaker())
    await asyncio.sleep(0.01)  # the speaker waits for the next chunk
    stream.cancel()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
