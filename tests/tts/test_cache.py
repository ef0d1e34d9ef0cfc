"""The phrase cache: LRU by bytes, keyed by everything that changes the audio, and used by the
service so a repeated short reply never reaches the engine."""

from __future__ import annotations

import asyncio

from wyoming_tts.cache import PhraseCache, PhraseKey
from wyoming_tts.piper.engine import PiperEngine

from .conftest import DUO
from .support import STEP, RecordingEngine, all_audio, speak_once, speak_streaming, tts_service


def key(text: str, voice: str = "v", speaker: str | None = None, engine: str = "e") -> PhraseKey:
    return PhraseKey(engine, voice, speaker, text)


def test_lru_by_bytes() -> None:
    cache = PhraseCache(max_bytes=10)
    cache.put(key("a"), b"1234")
    cache.put(key("b"), b"1234")
    assert cache.get(key("a")) == b"1234"  # a is now the most recent
    cache.put(key("c"), b"1234")  # 12 > 10: b (least recent) goes
    assert cache.get(key("b")) is None
    assert cache.get(key("a")) == b"1234" and cache.get(key("c")) == b"1234"
    assert cache.size_bytes == 8 and len(cache) == 2


def test_replacing_an_entry_keeps_the_size_right() -> None:
    cache = PhraseCache(max_bytes=10)
    cache.put(key("a"), b"12345678")
    cache.put(key("a"), b"12")
    assert cache.size_bytes == 2 and len(cache) == 1


def test_too_big_or_too_long_is_not_kept() -> None:
    cache = PhraseCache(max_bytes=10, max_text_chars=5)
    cache.put(key("a"), b"x" * 11)
    cache.put(key("longer than five"), b"x")
    assert len(cache) == 0 and cache.size_bytes == 0
    cache.put(key("ok"), b"x")
    cache.put(key("big"), b"y" * 10)  # fits only after evicting everything else
    assert cache.get(key("ok")) is None and cache.get(key("big")) == b"y" * 10


def test_key_separates_voice_speaker_and_settings() -> None:
    cache = PhraseCache(max_bytes=100)
    cache.put(key("Done."), b"1")
    assert cache.get(key("Done.", voice="w")) is None
    assert cache.get(key("Done.", speaker="bob")) is None
    assert cache.get(key("Done.", engine="piper/ls=2")) is None
    assert cache.get(key("Done.")) == b"1"
    assert (cache.hits, cache.misses) == (1, 3)


def test_zero_size_turns_it_off() -> None:
    cache = PhraseCache(max_bytes=0)
    cache.put(key("Done."), b"1")
    assert cache.get(key("Done.")) is None and cache.misses == 0


async def test_service_answers_repeats_from_the_cache(piper_engine: PiperEngine) -> None:
    engine = RecordingEngine(piper_engine)
    async with tts_service(engine, cache_bytes=1_000_000) as service:
        async with asyncio.timeout(STEP):
            first = await speak_once(service.uri, "Done. OK, turned on the kitchen light.")
            again = await speak_streaming(service.uri, ["Done. OK, turned on the kitchen light."])
            other_speaker = await speak_once(service.uri, "Done.", voice=DUO, speaker="bob")
            mixed = await speak_once(service.uri, "Done. Something new.")
            done = await speak_once(service.uri, "Done.")
    assert all_audio(again) == all_audio(first)
    assert all_audio(mixed).startswith(all_audio(done))
    assert all_audio(other_speaker) != all_audio(first)
    assert engine.texts == [
        "Done.",
        "OK, turned on the kitchen light.",
        "Done.",  # another voice/speaker
        "Something new.",
    ]
    assert service.synthesizer.cache.hits == 4
