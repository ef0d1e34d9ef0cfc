"""The `info` this service answers describe with: one TTS program with every voice."""

from __future__ import annotations

from collections.abc import Sequence

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice, TtsVoiceSpeaker

from wyoming_common.info import our_attribution, program_version

from .engines import VoiceDescription

PROGRAM_NAME = "wyoming-voice-tts"  # HA's entity id becomes tts.wyoming_voice_tts


def tts_voice(voice: VoiceDescription) -> TtsVoice:
    """One voice as Home Assistant needs it (installed, attributed, Piper-style languages)."""
    return TtsVoice(
        name=voice.name,
        attribution=Attribution(name=voice.attribution_name, url=voice.attribution_url),
        installed=True,
        description=voice.description,
        version=voice.version,
        languages=list(voice.languages),
        speakers=[TtsVoiceSpeaker(name=speaker) for speaker in voice.speakers] or None,
    )


def build_info(voices: Sequence[VoiceDescription], *, engine: str, streaming: bool) -> Info:
    """info with a single TTS program (HA only looks at the first one)."""
    program = TtsProgram(
        name=PROGRAM_NAME,
        attribution=our_attribution(),
        installed=True,
        description=f"Local text to speech ({engine})",
        version=program_version(),
        voices=[tts_voice(voice) for voice in voices],
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])
