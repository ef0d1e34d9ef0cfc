"""`info` as Home Assistant 2026.2.3 (wyoming 1.7.2) and 2026.11.0 (wyoming 1.10.2) read it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from wyoming.info import Describe, Info

from tests.support.services import parse_info_with_wyoming_172
from wyoming_common.client import WyomingConnection
from wyoming_stt.engines import Transcriber
from wyoming_stt.info import PROGRAM_NAME, build_info

from .conftest import stt_service


@pytest.fixture(params=["grammar_engine", "whisper_engine"])
def engine(request: pytest.FixtureRequest) -> Transcriber:
    """Each engine in turn."""
    transcriber: Transcriber = request.getfixturevalue(request.param)
    return transcriber


async def test_info_over_the_wire_parses_with_both_wyoming_versions(
    engine: Transcriber, tmp_path: Path
) -> None:
    async with stt_service(engine) as runner:
        async with asyncio.timeout(10), WyomingConnection(runner.uri) as conn:
            await conn.write(Describe().event())
            event = await conn.read()
    assert event is not None and Info.is_type(event.type)
    info = Info.from_event(event)  # wyoming 1.10.2, as HA 2026.11
    parsed_172 = parse_info_with_wyoming_172(event.data, tmp_path)  # as HA 2026.2
    assert PROGRAM_NAME in parsed_172

    assert len(info.asr) == 1  # HA uses only the first program
    program = info.asr[0]
    assert program.name == PROGRAM_NAME == "wyoming-voice-stt"
    assert program.installed and program.attribution.name
    assert program.requires_external_vad is True
    assert program.supports_transcript_streaming is engine.streams_partial_text
    assert len(program.models) == 1
    model = program.models[0]
    assert model.installed and model.attribution.url.startswith("https://")
    assert "en" in model.languages
    # Pipelines ask for "en", never "en-US" or "en_US".
    assert all("-" not in code and "_" not in code for code in model.languages)
    assert len(set(model.languages)) == len(model.languages)
    assert info.satellite is None  # or HA would treat us as a satellite


def test_streaming_flags_per_engine(
    grammar_engine: Transcriber, whisper_engine: Transcriber
) -> None:
    assert build_info(grammar_engine).asr[0].supports_transcript_streaming is False
    whisper_info = build_info(whisper_engine).asr[0]
    assert whisper_info.supports_transcript_streaming is True
    assert len(whisper_info.models[0].languages) == 100  # the multilingual tiny model
