"""Pure selection functions: voice for a request, engine for a setup, device for onnxruntime,
and what the espeak-ng and Piper voice listings say."""

from __future__ import annotations

import pytest

from tests.support.tiny_piper import build_tiny_piper_config
from wyoming_common.errors import ConfigError
from wyoming_tts.engines import VoiceDescription, plan_engine
from wyoming_tts.espeak import espeak_language, parse_voice_list, pcm_from_wav_stream
from wyoming_tts.piper.engine import CUDA_PROVIDER, select_device
from wyoming_tts.piper.voices import describe_piper_config
from wyoming_tts.voice_choice import VoiceRequest, language_score, resolve_voice

VOICES = [
    VoiceDescription("en_US-lessac-medium", ("en_US",)),
    VoiceDescription("en_GB-alba-medium", ("en_GB",)),
    VoiceDescription("de_DE-thorsten-low", ("de_DE",)),
    VoiceDescription("en_US-libritts-high", ("en_US",), speakers=("p1", "p2", "p3")),
]
DEFAULT = "en_US-lessac-medium"


def choose(**request: str) -> tuple[str, str | None, tuple[str, ...]]:
    resolution = resolve_voice(VOICES, DEFAULT, VoiceRequest(**request))
    return resolution.choice.voice, resolution.choice.speaker, resolution.warnings


def test_by_name_and_speaker() -> None:
    assert choose(name="en_GB-alba-medium") == ("en_GB-alba-medium", None, ())
    assert choose(name="EN_gb-ALBA-medium")[0] == "en_GB-alba-medium"
    assert choose(name="en_US-libritts-high", speaker="p2")[:2] == ("en_US-libritts-high", "p2")
    assert choose(name="en_US-libritts-high", speaker="2")[:2] == ("en_US-libritts-high", "p3")


def test_unknown_voice_or_speaker_falls_back_with_a_warning() -> None:
    voice, speaker, warnings = choose(name="xx_XX-nobody-low")
    assert (voice, speaker) == (DEFAULT, None) and "unknown voice" in warnings[0]
    voice, speaker, warnings = choose(name="en_US-libritts-high", speaker="p9")
    assert (voice, speaker) == ("en_US-libritts-high", None) and "no speaker" in warnings[0]
    assert "single speaker" in choose(name=DEFAULT, speaker="x")[2][0]


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("en", DEFAULT),  # what HA sends: the default voice matches, so it wins
        ("en_US", DEFAULT),
        ("en-GB", "en_GB-alba-medium"),
        ("en_AU", DEFAULT),  # same language, no such region: the default
        ("de", "de_DE-thorsten-low"),
        ("DE-de", "de_DE-thorsten-low"),
        ("fr", DEFAULT),  # no French voice: the default, with a warning
    ],
)
def test_by_language(language: str, voice: str) -> None:
    chosen, _speaker, warnings = choose(language=language)
    assert chosen == voice
    assert bool(warnings) == (language == "fr")


def test_language_score() -> None:
    assert language_score("en", "en_US") == 1
    assert language_score("en_US", "en_US") == 2
    assert language_score("en-us", "en_US") == 2
    assert language_score("en_GB", "en_US") == 1
    assert language_score("de", "en_US") == 0
    assert language_score("", "en_US") == 0


def test_no_voices_at_all_keeps_the_default_name() -> None:
    assert resolve_voice([], "en-us", VoiceRequest(name="x")).choice.voice == "en-us"


def test_plan_engine() -> None:
    piper = plan_engine(
        "auto", voice=None, piper_installed=True, piper_voices=["b", "a"], espeak_available=True
    )
    assert (piper.engine, piper.voice) == ("piper", "a")
    fallback = plan_engine(
        "auto", voice=None, piper_installed=True, piper_voices=[], espeak_available=True
    )
    assert (fallback.engine, fallback.voice) == ("espeak-ng", None)
    assert "no Piper voice" in fallback.reason
    espeak_voice = plan_engine(
        "auto", voice="en-gb", piper_installed=True, piper_voices=[], espeak_available=True
    )
    assert (espeak_voice.engine, espeak_voice.voice) == ("espeak-ng", "en-gb")
    forced = plan_engine(
        "espeak-ng", voice="en-gb", piper_installed=True, piper_voices=["a"], espeak_available=True
    )
    assert (forced.engine, forced.voice) == ("espeak-ng", "en-gb")


@pytest.mark.parametrize(
    ("requested", "voice", "installed", "voices", "espeak", "flag"),
    [
        ("piper", None, True, [], True, "--data-dir"),
        ("piper", None, False, [], True, "--engine"),
        ("auto", "en_US-x-low", True, ["en_US-y-low"], True, "--voice"),
        ("auto", "de_DE-thorsten-low", True, [], True, "--voice"),  # never espeak-ng instead
        ("auto", "de_DE-thorsten-low", False, [], True, "--voice"),
        ("auto", None, True, [], False, "--engine"),
        ("espeak-ng", None, True, ["a"], False, "--engine"),
    ],
)
def test_plan_engine_errors_name_the_flag(
    requested: str, voice: str | None, installed: bool, voices: list[str], espeak: bool, flag: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        plan_engine(
            requested,
            voice=voice,
            piper_installed=installed,
            piper_voices=voices,
            espeak_available=espeak,
        )
    assert raised.value.flag == flag


@pytest.mark.parametrize(
    ("requested", "providers", "gpu", "use_cuda"),
    [
        ("auto", [CUDA_PROVIDER, "CPUExecutionProvider"], True, True),
        ("cuda", [CUDA_PROVIDER, "CPUExecutionProvider"], True, True),
        ("cpu", [CUDA_PROVIDER, "CPUExecutionProvider"], True, False),
        ("auto", ["CPUExecutionProvider"], True, False),
        ("auto", [CUDA_PROVIDER, "CPUExecutionProvider"], False, False),
    ],
)
def test_select_device(requested: str, providers: list[str], gpu: bool, use_cuda: bool) -> None:
    choice = select_device(requested, providers, gpu)
    assert choice.use_cuda is use_cuda and choice.reason


@pytest.mark.parametrize(
    ("providers", "gpu"), [(["CPUExecutionProvider"], True), ([CUDA_PROVIDER], False)]
)
def test_explicit_cuda_never_falls_back(providers: list[str], gpu: bool) -> None:
    with pytest.raises(ConfigError) as raised:
        select_device("cuda", providers, gpu)
    assert raised.value.flag == "--device"


ESPEAK_LISTING = """\
Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  af              --/M      Afrikaans          gmw/af
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  en-us           --/M      us-mbrola-2        mb/mb-us2            (en 7)
 5  es-419          --/M      Spanish_(Latin_America) roa/es-419           (es-mx 6)
 5  variant         --/M      Storm              !v/Storm             (en-us 5)
 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)
"""


def test_parse_espeak_voice_list() -> None:
    voices = parse_voice_list(ESPEAK_LISTING, "1.51")
    assert [voice.name for voice in voices] == ["af", "en-gb", "en-us", "es-419", "cmn-latn-pinyin"]
    by_name = {voice.name: voice for voice in voices}
    assert by_name["en-us"].languages == ("en_US",)
    assert by_name["en-us"].description == "English (America) (eSpeak NG)"
    assert by_name["es-419"].languages == ("es_419",)
    assert by_name["cmn-latn-pinyin"].languages == ("cmn",)
    assert all(voice.version == "1.51" and voice.sample_rate == 22050 for voice in voices)


def test_espeak_language() -> None:
    assert espeak_language("en-us") == "en_US"
    assert espeak_language("en-gb-scotland") == "en_GB"
    assert espeak_language("de") == "de"


def test_pcm_from_wav_stream_ignores_placeholder_sizes() -> None:
    header = (
        b"RIFF\x24\xf0\xff\x7fWAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00"
        b"\x44\xac\x00\x00\x02\x00\x10\x00data\x00\xf0\xff\x7f"
    )
    assert pcm_from_wav_stream(header + b"\x01\x02\x03\x04\x05") == b"\x01\x02\x03\x04"


def test_describe_piper_config() -> None:
    config = build_tiny_piper_config("en_US-duo-low", num_speakers=3, sample_rate=16000)
    voice = describe_piper_config("en_US-duo-low", config)
    assert voice.languages == ("en_US",)
    assert voice.speakers == ("alice", "bob", "carol")
    assert voice.sample_rate == 16000
    assert voice.description == "duo (low)"
    assert voice.attribution_name == "rhasspy"
    single = describe_piper_config("x", {"espeak": {"voice": "de"}, "audio": {}})
    assert single.languages == ("de",) and single.speakers == () and single.sample_rate == 22050
