"""The real Piper voice (en_US-joe-medium) through the real TTS server, heard back by the real
Whisper base: what a user's small install says must be understood (round trip >= 90 % words),
also when each sentence streams out in pieces. And the pieces are the whole sentence's audio:
the voice's graph, cut before its decoder, decodes windows of the latent that match the whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from tests.support.real_models import require_real_models
from wyoming_common.audio import AudioFormat, to_float_mono
from wyoming_common.worker import CancelToken
from wyoming_tts.engines import SpeechSettings, VoiceChoice
from wyoming_tts.piper.engine import PiperEngine
from wyoming_tts.piper.model import FIRST_FRAMES, PiperModel, snr_db, windows
from wyoming_tts.piper.voices import find_piper_voices
from wyoming_voice.bench.stt_scoring import word_errors

from .support import audio_blocks, fragments_of, speak_once, speak_streaming, tts_service

pytestmark = pytest.mark.real_models

JOE = "en_US-joe-medium"
# Two-sentence replies an agent gives; one with markdown and a symbol the cleaner spells out.
REPLIES = [
    "OK, I turned on the kitchen light. The front door is locked and the alarm is armed.",
    "**Done!** The living room is at 21 degrees & the heating is off.",
]
MIN_WORDS_RIGHT = 0.90
STEP = 60.0  # a loaded 2-core machine: Whisper and Piper share it


@pytest.fixture(scope="module")
def joe() -> PiperEngine:
    models = require_real_models("piper_joe")
    engine = PiperEngine(
        find_piper_voices([models.piper_dir]),
        default_voice=JOE,
        speech=SpeechSettings(),
        device="cpu",
    )
    engine.load()
    return engine


def _whisper(path: Path) -> object:
    from faster_whisper import WhisperModel

    return WhisperModel(str(path), device="cpu", compute_type="int8")


def _heard(model: object, pcm: bytes, fmt: AudioFormat) -> str:
    segments, _info = model.transcribe(  # type: ignore[attr-defined]
        to_float_mono(pcm, fmt, 16000), language="en", beam_size=1
    )
    return " ".join(segment.text for segment in segments)


async def test_joe_speaks_replies_whisper_understands(joe: PiperEngine) -> None:
    models = require_real_models("piper_joe", "whisper_base")
    whisper = await asyncio.to_thread(_whisper, models.whisper_base)
    errors = words = 0
    async with tts_service(joe) as service:
        for reply in REPLIES:
            async with asyncio.timeout(STEP):
                single = audio_blocks(await speak_once(service.uri, reply))
                streamed = audio_blocks(await speak_streaming(service.uri, fragments_of(reply, 7)))
            assert len(single) == 1 and len(streamed) == 2  # one block per sentence streamed
            assert {block.fmt for block in single + streamed} == {AudioFormat(22050, 2, 1)}
            expected = "Done! The living room is at 21 degrees and the heating is off."
            reference = reply if "**" not in reply else expected
            for pcm in (single[0].audio, b"".join(block.audio for block in streamed)):
                heard = await asyncio.to_thread(_heard, whisper, pcm, single[0].fmt)
                edits, count = word_errors(reference, heard)
                print(f"{reference!r} -> {heard!r}: {edits} edits / {count} words")
                errors, words = errors + edits, words + count
    assert 1 - errors / words >= MIN_WORDS_RIGHT, (errors, words)


def test_pieces_are_the_whole_sentence(joe: PiperEngine) -> None:
    """The flow on the first frames and the decoder on windows of the latent give what they
    give on the whole sentence (same prior: the noise is drawn once, in the front part)."""
    loaded = joe._voice(JOE)  # the loaded voice: its graph parts and phonemes
    model = loaded.model
    assert model.streams and model.cut is not None and model.flow_context is not None
    sentence = "Tomorrow it will be sunny with a high of twenty four degrees, and a light wind."
    (inputs,) = list(joe._inputs(loaded, sentence, None))
    front = model._front(inputs)
    latent = model._latent(front)
    whole = model._decode(latent, front)
    first = FIRST_FRAMES + model.context
    head = model._latent(front, first + model.flow_context)[:, :, :first]
    assert snr_db(latent[:, :, :first], head) >= 50.0
    parts = [
        model._decode(latent[:, :, low:high], front)[
            (start - low) * model.hop : (end - low) * model.hop
        ]
        for start, end, low, high in windows(latent.shape[2], model.context)
    ]
    assert len(parts) >= 3 and sum(part.size for part in parts) == whole.size
    assert snr_db(whole, np.concatenate(parts)) >= 50.0
    # Through the engine: several pieces, the first a small part of the sentence.
    pieces = list(joe.synthesize(sentence, VoiceChoice(JOE), CancelToken()))
    assert len(pieces) >= 3
    assert len(pieces[0]) < sum(map(len, pieces)) / 4


def test_a_graph_that_cannot_be_cut_is_decoded_whole(
    joe: PiperEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """onnx failing on the front part (a graph it reads but cannot extract from) must not
    lose the voice: it runs whole, one piece per sentence (the module's promise)."""
    from onnx.utils import Extractor

    extract = Extractor.extract_model

    def refuse_the_front(self: Extractor, inputs: list[str], outputs: list[str]) -> object:
        if "input" in inputs:
            raise RuntimeError("cannot extract the front")
        return extract(self, inputs, outputs)

    monkeypatch.setattr(Extractor, "extract_model", refuse_the_front)
    voice = require_real_models("piper_joe").piper_joe
    model = PiperModel(str(voice), providers=["CPUExecutionProvider"], hop_length=256)
    assert model.cut is None and not model.streams
    assert "decoding whole" in caplog.text
    loaded = joe._voice(JOE)
    (inputs,) = list(joe._inputs(loaded, "The front door is locked.", None))
    [piece] = list(model.pieces(inputs))
    assert piece.size > 22050 // 2  # a whole sentence of audio in one piece
