"""The one client per service (voice_pipeline): whole-file use, streaming use, wrong kinds."""

from __future__ import annotations

import time

import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop

from voice_pipeline.agent_client import converse
from voice_pipeline.conversation import expects_answer
from voice_pipeline.errors import PipelineError, ServiceError
from voice_pipeline.stt_client import transcribe_audio
from voice_pipeline.tts_client import synthesize
from wyoming_common.audio import STT_FORMAT, AudioFormat
from wyoming_common.client import ServiceUnavailableError

from .wyoming_services import (
    TTS_FORMAT,
    AgentHandler,
    Recorder,
    TtsHandler,
    agent_info,
    pipeline_services,
    serve,
    speech_audio,
    tts_info,
)

pytestmark = pytest.mark.timeout(30)


async def test_whole_file_transcription_is_timed() -> None:
    async with pipeline_services() as (stt, _agent, _tts, records):
        pcm = bytes(STT_FORMAT.rate * 2)  # one second
        result = await transcribe_audio(stt, pcm, STT_FORMAT, language="en", chunk_ms=10)
    assert result.text == "turn on the kitchen lights"
    assert result.audio_seconds == pytest.approx(1.0)
    assert 0 <= result.seconds_after_stop <= result.total_seconds
    assert records["stt"].audio_bytes == len(pcm)


@pytest.mark.parametrize("stream", [False, True])
async def test_whole_text_synthesis(stream: bool) -> None:
    text = "Turned on the lights. Anything else?"
    async with pipeline_services() as (_stt, _agent, tts, _records):
        result = await synthesize(tts, text, stream=stream)
    assert result.fmt == AudioFormat(22050, 2, 1)
    expected = (
        len(speech_audio(text))
        if not stream
        else sum(len(speech_audio(s)) for s in ("Turned on the lights.", "Anything else?"))
    )
    assert len(result.audio) == expected
    assert result.blocks == (2 if stream else 1)
    assert result.first_audio is not None and 0 < result.first_audio <= result.total


async def test_a_client_pointed_at_the_wrong_kind_of_service_says_so_at_once() -> None:
    async with pipeline_services() as (stt, agent, tts, _records):
        started = time.monotonic()
        with pytest.raises(ServiceError, match=r"not a text-to-speech service.*speech-to-text"):
            await synthesize(stt, "hello")
        with pytest.raises(ServiceUnavailableError, match="not a speech-to-text service"):
            await transcribe_audio(tts, bytes(3200), STT_FORMAT)
        with pytest.raises(PipelineError, match="not a conversation agent"):
            async for _piece in converse(tts, "hello", check=True):
                pass
        assert time.monotonic() - started < 2.0
        async for piece in converse(agent, "hello", check=True):
            assert piece.text


async def test_agent_says_whether_it_asked_something() -> None:
    class AskingAgent(AgentHandler):
        async def handle_request(self, event: object) -> bool:
            from wyoming.handle import Handled

            await self.write_event(
                Handled(
                    text="Which room?",
                    context={"conversation_id": "c1", "continue_conversation": False},
                ).event()
            )
            return True

    recorder = Recorder()
    async with serve(
        AskingAgent, agent_info(False), reply="", recorder=recorder, streaming=False, pause=0
    ) as runner:
        pieces = [p async for p in converse(runner.uri, "turn on the light")]
    final = pieces[-1]
    assert final.final and final.conversation_id == "c1"
    assert final.continue_conversation is False
    assert not expects_answer(final.text, final.continue_conversation)
    assert expects_answer("Which room?") and expects_answer('Did you mean "kitchen"?')
    assert not expects_answer("Done.")


async def test_closed_port_is_a_service_error() -> None:
    with pytest.raises(ServiceError, match="tts"):
        await synthesize("tcp://127.0.0.1:1", "hello", check=False)


class _TwoFormatTts(TtsHandler):
    """Streaming TTS whose second sentence comes at 16 kHz (another voice, say)."""

    async def _speak(self, text: str) -> None:
        self.recorder.requests.append({"sentence": text.strip()})
        fmt = TTS_FORMAT if len(self.recorder.requests) == 1 else AudioFormat(16000, 2, 1)
        await self.write_event(AudioStart(fmt.rate, fmt.width, fmt.channels).event())
        audio = bytes(fmt.rate * fmt.width // 2)  # half a second
        await self.write_event(AudioChunk(fmt.rate, fmt.width, fmt.channels, audio).event())
        await self.write_event(AudioStop().event())


async def test_synthesis_keeps_one_format_when_the_tts_changes_it() -> None:
    """The WAV written by `wyoming-voice synthesize` must not be corrupt: every block in the
    first block's format, the duration right."""
    async with serve(_TwoFormatTts, tts_info(True), recorder=Recorder(), streaming=True) as tts:
        result = await synthesize(tts.uri, "First sentence. Second sentence.", stream=True)
    assert result.fmt == TTS_FORMAT and result.blocks == 2
    assert result.seconds == pytest.approx(1.0, abs=0.01)
