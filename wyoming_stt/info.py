"""The `info` this service answers to `describe` (one ASR program, one model)."""

from __future__ import annotations

from wyoming.info import AsrModel, AsrProgram, Attribution, Info

from wyoming_common.info import our_attribution, program_version, wyoming_language

from .engines import Transcriber

PROGRAM_NAME = "wyoming-voice-stt"
"""Stable: Home Assistant names the entity after it (stt.wyoming_voice_stt)."""


def build_info(transcriber: Transcriber) -> Info:
    """Info for the loaded engine; languages as pipelines ask for them (`en`)."""
    card = transcriber.card
    languages = list(dict.fromkeys(wyoming_language(code) for code in card.languages))
    model = AsrModel(
        name=card.name,
        attribution=Attribution(name=card.attribution_name, url=card.attribution_url),
        installed=True,
        description=card.description,
        version=card.version,
        languages=languages,
    )
    program = AsrProgram(
        name=PROGRAM_NAME,
        attribution=our_attribution(),
        installed=True,
        description=f"wyoming-voice speech-to-text ({transcriber.engine_name})",
        version=program_version(),
        models=[model],
        supports_transcript_streaming=transcriber.streams_partial_text,
        requires_external_vad=True,
    )
    return Info(asr=[program])
