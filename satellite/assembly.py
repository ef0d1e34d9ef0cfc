"""Builds a Satellite from settings: engines once, injected into the parts that use them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from functools import partial

from voice_pipeline.conversation import ConversationTracker
from voice_pipeline.endpoints import EndpointResolver
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions
from voice_pipeline.vad import CommandEndDetector, SileroVad, VoiceActivityDetector
from wyoming_common.audio import AudioFormat
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .arbitration.arbiter import Arbiter, new_satellite_id
from .arbitration.peers import PeerDirectory
from .core import Satellite
from .devices.capture import AudioCapture, MicProcessor, load_enhancer
from .devices.ducking import Ducker, VolumeCommand
from .devices.echo import build_echo_filter
from .devices.mic import CommandMicrophone, Microphone, WavMicrophone
from .devices.player import AudioPlayer
from .devices.remote_audio import WyomingMicrophone, WyomingSpeaker
from .devices.settings import MicSettings, SndSettings
from .devices.sounds import FeedbackSounds, load_feedback_sounds
from .devices.speaker import CommandSpeaker, Speaker
from .follow_up import FollowUpWindow
from .ha.server import SatelliteEventHandler
from .hooks import EventHooks
from .settings import SatelliteSettings
from .standalone import StandaloneAssistant
from .wake.detectors import load_detector
from .wake.engine import LocalWakeEngine, Refractory, WakeWordEngine
from .wake.evidence import LoudnessTracker
from .wake.remote import RemoteWakeEngine
from .wake.settings import WakeSettings
from .wake.stop import StopWordListener, load_stop_detector
from .wake.trigger import WakeTrigger

_LOGGER = logging.getLogger(__name__)

_UNRESOLVED = PipelineEndpoints("", "", "")


def build_microphone(settings: MicSettings) -> Microphone:
    """WAV files, a remote Wyoming microphone, or the ALSA command."""
    if settings.wav_files:
        return WavMicrophone(settings.wav_files)
    if settings.uri:
        return WyomingMicrophone(settings.uri)
    if settings.command:
        fmt = AudioFormat(settings.rate, 2, settings.channels)
        return CommandMicrophone(settings.command, fmt)
    return WavMicrophone()  # no microphone at all: silence (announcements and timers still work)


def build_speaker(settings: SndSettings) -> Speaker | None:
    """A remote Wyoming sound service, the ALSA command, or none."""
    if settings.uri:
        return WyomingSpeaker(settings.uri)
    if settings.command:
        return CommandSpeaker(settings.command, AudioFormat(settings.rate, 2, settings.channels))
    return None


async def build_wake_engine(settings: WakeSettings) -> WakeWordEngine:
    """Load the local models in a worker thread, or point at the remote service."""
    if settings.uri:
        return RemoteWakeEngine(settings.uri, settings.words)
    worker = ModelWorker("wake word", timeout=60.0)
    detector = await worker.run(load_detector, settings.engine, settings.words, settings.threshold)
    worker.timeout = 10.0
    return LocalWakeEngine(detector, worker)


async def build_stop_word(settings: WakeSettings) -> StopWordListener | None:
    """The stop word listener (its model loaded in a worker thread), or None when off."""
    if settings.stop_word is None:
        return None
    worker = ModelWorker("stop word", timeout=60.0)
    detector = await worker.run(load_stop_detector, settings.stop_word)
    worker.timeout = 10.0
    return StopWordListener(detector, worker)


def build_arbiter(settings: SatelliteSettings, loudness: LoudnessTracker) -> Arbiter | None:
    """The arbitration with the group's other satellites, or None when off."""
    arb = settings.arbitration
    if arb.group is None:
        return None
    satellite_id = new_satellite_id()
    directory = PeerDirectory(
        arb.group,
        satellite_id,
        static=arb.peers,
        zeroconf=arb.zeroconf,
        advertise_host=settings.service.zeroconf_host,
    )
    return Arbiter(
        arb.group,
        directory=directory,
        live_evidence=lambda: loudness.evidence(0.0),
        window=arb.window,
        port=arb.port,
        name=settings.name,
        satellite_id=satellite_id,
    )


async def _load_vad(
    settings: SatelliteSettings,
) -> tuple[VoiceActivityDetector, ModelWorker] | None:
    if not settings.standalone.enabled and not settings.follow_up_seconds:
        return None
    worker = ModelWorker("vad", timeout=10.0)
    return await worker.run(SileroVad), worker


def build_follow_up(
    settings: SatelliteSettings, vad: tuple[VoiceActivityDetector, ModelWorker] | None
) -> FollowUpWindow | None:
    """Listening without the wake word after a question, or None when off."""
    if vad is None or not settings.follow_up_seconds:
        return None
    window_settings = replace(
        settings.vad,
        no_speech_seconds=settings.follow_up_seconds,
        max_command_seconds=max(settings.vad.max_command_seconds, settings.follow_up_seconds + 1),
    )
    return FollowUpWindow(
        lambda: CommandEndDetector(vad[0], window_settings, vad[1]), settings.follow_up_seconds
    )


@dataclass
class SatelliteParts:
    """Built parts, handy for tests that want to look inside."""

    satellite: Satellite
    microphone: Microphone
    player: AudioPlayer
    hooks: EventHooks
    assistant: StandaloneAssistant | None


def _assistant(
    settings: SatelliteSettings,
    player: AudioPlayer,
    sounds: FeedbackSounds,
    hooks: EventHooks,
    vad: tuple[VoiceActivityDetector, ModelWorker] | None,
) -> StandaloneAssistant | None:
    if not settings.standalone.enabled or vad is None:
        return None
    options = PipelineOptions(
        language=settings.standalone.language,
        voice=settings.standalone.voice,
        context={"satellite_id": settings.name},
    )
    return StandaloneAssistant(
        resolver=EndpointResolver(settings.standalone),
        pipeline=VoicePipeline(_UNRESOLVED, options, conversations=ConversationTracker()),
        player=player,
        sounds=sounds,
        hooks=hooks,
        vad=vad[0],
        vad_settings=settings.vad,
        vad_worker=vad[1],
    )


async def build_satellite(
    settings: SatelliteSettings,
    *,
    microphone: Microphone | None = None,
    wake: WakeWordEngine | None = None,
) -> SatelliteParts:
    """Everything but the server; `microphone`/`wake` replace the configured ones."""
    mic = microphone or build_microphone(settings.mic)
    echo = build_echo_filter(settings.mic.echo_cancel)
    processor = MicProcessor(
        volume=settings.mic.volume,
        enhancer=load_enhancer(settings.mic.noise_suppression, settings.mic.auto_gain),
        echo=echo,
    )
    capture = AudioCapture(mic, processor)
    player = AudioPlayer(
        build_speaker(settings.snd),
        volume=settings.snd.volume,
        lead_in_seconds=settings.snd.lead_in_seconds,
    )
    if echo is not None:
        player.tap = echo
    if settings.duck.enabled:
        assert settings.duck.get_command and settings.duck.set_command
        volume = VolumeCommand(settings.duck.get_command, settings.duck.set_command)
        player.observer = Ducker(volume, settings.duck.level)
    sounds = load_feedback_sounds(settings.sounds)
    hooks = EventHooks(settings.name, command=settings.hooks.command, uri=settings.hooks.uri)
    engine = wake or await build_wake_engine(settings.wake)
    loudness = LoudnessTracker()
    trigger = WakeTrigger(
        engine,
        refractory=Refractory(settings.wake.refractory_seconds),
        loudness=loudness,
        arbiter=build_arbiter(settings, loudness),
    )
    vad = await _load_vad(settings)
    assistant = _assistant(settings, player, sounds, hooks, vad)
    satellite = Satellite(
        name=settings.name,
        area=settings.area,
        capture=capture,
        trigger=trigger,
        player=player,
        sounds=sounds,
        hooks=hooks,
        active_wake_words=[m.name for m in engine.program.models] or list(settings.wake.words),
        preroll_seconds=settings.wake.preroll_seconds,
        max_command_seconds=settings.vad.max_command_seconds,
        playback_tail=settings.snd.playback_tail,
        stop_word=await build_stop_word(settings.wake),
        follow_up=build_follow_up(settings, vad),
        assistant=assistant,
    )
    if assistant is not None:
        assistant.on_question = lambda: satellite.request_follow_up(None)
    return SatelliteParts(satellite, mic, player, hooks, assistant)


def build_runner(settings: SatelliteSettings, satellite: Satellite) -> ServiceRunner:
    """The Wyoming server (port 10700, zeroconf) in front of the satellite."""
    return ServiceRunner(
        settings.service,
        partial(SatelliteEventHandler, satellite=satellite),
        service="satellite",
        load=satellite.start,
    )


async def serve_satellite(settings: SatelliteSettings, parts: SatelliteParts) -> None:
    """Serve until SIGTERM/SIGINT. When the audio loop gives up (the satellite is deaf) the
    server stops and AudioLoopError is raised: the command exits 1 and systemd restarts it."""
    runner = build_runner(settings, parts.satellite)
    serving = asyncio.create_task(runner.run_forever(), name="satellite server")
    failed = asyncio.create_task(parts.satellite.supervisor.wait_failed())
    try:
        await asyncio.wait({serving, failed}, return_when=asyncio.FIRST_COMPLETED)
        if failed.done():
            serving.cancel()  # run_forever stops the server on its way out
            await asyncio.gather(serving, return_exceptions=True)
            raise failed.result()
        serving.result()
    finally:
        for task in (serving, failed):
            task.cancel()
        await asyncio.gather(serving, failed, return_exceptions=True)
        await parts.satellite.stop()
