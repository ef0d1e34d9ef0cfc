"""Builds a Satellite from settings: engines once, injected into the parts that use them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from voice_pipeline.conversation import ConversationTracker
from voice_pipeline.endpoints import EndpointResolver
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.types import PipelineEndpoints, PipelineOptions
from voice_pipeline.vad import SileroVad
from wyoming_common.audio import AudioFormat
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .core import Satellite
from .devices.capture import AudioCapture, MicProcessor, load_enhancer
from .devices.mic import CommandMicrophone, Microphone, WavMicrophone
from .devices.player import AudioPlayer
from .devices.remote_audio import WyomingMicrophone, WyomingSpeaker
from .devices.settings import MicSettings, SndSettings
from .devices.sounds import load_feedback_sounds
from .devices.speaker import CommandSpeaker, Speaker
from .ha.server import SatelliteEventHandler
from .hooks import EventHooks
from .settings import SatelliteSettings
from .standalone import StandaloneAssistant
from .wake.detectors import load_detector
from .wake.engine import LocalWakeEngine, WakeWordEngine
from .wake.remote import RemoteWakeEngine
from .wake.settings import WakeSettings

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


@dataclass
class SatelliteParts:
    """Built parts, handy for tests that want to look inside."""

    satellite: Satellite
    microphone: Microphone
    player: AudioPlayer
    hooks: EventHooks
    assistant: StandaloneAssistant | None


async def build_satellite(
    settings: SatelliteSettings,
    *,
    microphone: Microphone | None = None,
    wake: WakeWordEngine | None = None,
) -> SatelliteParts:
    """Everything but the server; `microphone`/`wake` replace the configured ones."""
    mic = microphone or build_microphone(settings.mic)
    processor = MicProcessor(
        volume=settings.mic.volume,
        enhancer=load_enhancer(settings.mic.noise_suppression, settings.mic.auto_gain),
    )
    capture = AudioCapture(mic, processor)
    player = AudioPlayer(
        build_speaker(settings.snd),
        volume=settings.snd.volume,
        lead_in_seconds=settings.snd.lead_in_seconds,
    )
    sounds = load_feedback_sounds(settings.sounds)
    hooks = EventHooks(settings.name, command=settings.hooks.command, uri=settings.hooks.uri)
    engine = wake or await build_wake_engine(settings.wake)
    assistant: StandaloneAssistant | None = None
    if settings.standalone.enabled:
        vad_worker = ModelWorker("vad", timeout=10.0)
        options = PipelineOptions(
            language=settings.standalone.language,
            voice=settings.standalone.voice,
            context={"satellite_id": settings.name},
        )
        assistant = StandaloneAssistant(
            resolver=EndpointResolver(settings.standalone),
            pipeline=VoicePipeline(_UNRESOLVED, options, conversations=ConversationTracker()),
            player=player,
            sounds=sounds,
            hooks=hooks,
            vad=await vad_worker.run(SileroVad),
            vad_settings=settings.vad,
            vad_worker=vad_worker,
        )
    satellite = Satellite(
        name=settings.name,
        area=settings.area,
        capture=capture,
        wake=engine,
        player=player,
        sounds=sounds,
        hooks=hooks,
        active_wake_words=[m.name for m in engine.program.models] or list(settings.wake.words),
        preroll_seconds=settings.wake.preroll_seconds,
        refractory_seconds=settings.wake.refractory_seconds,
        max_command_seconds=settings.vad.max_command_seconds,
        assistant=assistant,
    )
    return SatelliteParts(satellite, mic, player, hooks, assistant)


def build_runner(settings: SatelliteSettings, satellite: Satellite) -> ServiceRunner:
    """The Wyoming server (port 10700, zeroconf) in front of the satellite."""
    return ServiceRunner(
        settings.service,
        partial(SatelliteEventHandler, satellite=satellite),
        service="satellite",
        load=satellite.start,
    )
