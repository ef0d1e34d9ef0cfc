"""Wake word detection on ../shared/audio/wake: each clip triggers only its own model."""

from __future__ import annotations

import asyncio

import pytest

from satellite.wake.detectors import MicroWakeWordDetector, OpenWakeWordDetector
from satellite.wake.engine import LocalWakeEngine, Refractory, WakeWordDetector
from satellite.wake.remote import RemoteWakeEngine
from tests.support.services import shared_path
from wyoming_common.errors import ConfigError

from .audio_services import WakeHandler, wake_info
from .harness import pcm_of
from .wyoming_services import serve

MICRO_WORDS = ("okay_nabu", "hey_jarvis", "alexa", "hey_mycroft")
OPENWAKEWORD_WORDS = (*MICRO_WORDS, "hey_rhasspy")
SILENCE = bytes(32000)


def detect(detector: WakeWordDetector, pcm: bytes, block: int = 2048) -> list[str]:
    """Every detection while the clip (plus a second of silence) is fed in mic-sized blocks."""
    detector.reset()
    audio = pcm + SILENCE
    found = [detector.process(audio[i : i + block]) for i in range(0, len(audio), block)]
    return [hit.name for hit in found if hit]


def clip(name: str) -> bytes:
    folder = "misc" if name == "background_noise" else "wake"
    return pcm_of(shared_path("audio", folder, f"{name}.wav"))


@pytest.fixture(scope="module")
def micro() -> MicroWakeWordDetector:
    return MicroWakeWordDetector(MICRO_WORDS)


@pytest.mark.parametrize("word", MICRO_WORDS)
def test_micro_clip_triggers_only_its_model(micro: MicroWakeWordDetector, word: str) -> None:
    found = detect(micro, clip(word))
    assert found and set(found) == {word}


@pytest.mark.parametrize("other", ["hey_rhasspy", "computer", "snowboy", "background_noise"])
def test_micro_no_trigger_on_other_speech_or_noise(
    micro: MicroWakeWordDetector, other: str
) -> None:
    assert detect(micro, clip(other)) == []


def test_micro_reports_models_for_info(micro: MicroWakeWordDetector) -> None:
    models = {m.name: m for m in micro.program.models}
    assert list(models) == list(MICRO_WORDS)
    assert models["okay_nabu"].phrase == "Okay Nabu" and "en" in models["okay_nabu"].languages


def test_threshold_and_unknown_model() -> None:
    strict = MicroWakeWordDetector(["okay_nabu"], threshold=0.9999)
    assert detect(strict, clip("okay_nabu")) == []
    with pytest.raises(ConfigError, match=r"--wake-word: unknown .*built in"):
        MicroWakeWordDetector(["hey_computer"])


def test_openwakeword_clips_trigger_their_own_models() -> None:
    detector = OpenWakeWordDetector(OPENWAKEWORD_WORDS)
    for word in ("okay_nabu", "hey_rhasspy", "alexa"):
        found = detect(detector, clip(word), block=2560)
        assert found and set(found) == {word}, word
    assert detect(detector, clip("background_noise"), block=2560) == []


def test_refractory_period() -> None:
    now = [0.0]
    gate = Refractory(2.0, clock=lambda: now[0])
    assert gate.allow("okay_nabu")
    now[0] = 1.0
    assert not gate.allow("okay_nabu") and gate.allow("alexa")
    now[0] = 2.5
    assert gate.allow("okay_nabu")


async def test_local_engine_runs_in_a_worker(micro: MicroWakeWordDetector) -> None:
    engine = LocalWakeEngine(micro)
    await engine.reset()
    audio = clip("hey_jarvis") + SILENCE
    found = []
    async with asyncio.timeout(10):
        for i in range(0, len(audio), 2048):
            if hit := await engine.process(audio[i : i + 2048], i // 32):
                assert hit.probability is not None and hit.probability > 0.5
                found.append(hit.name)
    assert set(found) == {"hey_jarvis"}


async def test_remote_wake_service() -> None:
    detector = MicroWakeWordDetector(["okay_nabu", "alexa"])
    async with serve(WakeHandler, wake_info(detector), detector=detector) as service:
        engine = RemoteWakeEngine(service.uri, ["alexa"])
        async with asyncio.timeout(10):
            await engine.start()
            assert [m.name for m in engine.program.models] == ["alexa"]
            audio = clip("okay_nabu") + clip("alexa") + SILENCE
            found = []
            for i in range(0, len(audio), 2048):
                if hit := await engine.process(audio[i : i + 2048], i // 32):
                    found.append(hit.name)
                await asyncio.sleep(0.002)  # let the detection arrive
            await asyncio.sleep(0.1)
            if hit := await engine.process(SILENCE[:2048], 0):
                found.append(hit.name)
            await engine.stop()
    assert found == ["alexa"]  # okay_nabu was not asked for
