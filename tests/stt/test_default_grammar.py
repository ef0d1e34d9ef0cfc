"""The built-in command grammar: it compiles, what it can say, and its accuracy on recordings."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from wyoming_common.worker import CancelToken
from wyoming_stt.engines import TranscriptionRequest, Vocabulary
from wyoming_stt.names_file import parse_names
from wyoming_stt.pocketsphinx.default_grammar import default_areas, default_names, default_templates
from wyoming_stt.pocketsphinx.engine import PocketsphinxOptions, PocketsphinxTranscriber
from wyoming_stt.pocketsphinx.grammar import Grammar, build_grammar, split_rules, spoken_form
from wyoming_stt.pocketsphinx.messages import DecodeJob, DecoderSetup
from wyoming_stt.pocketsphinx.process import SphinxDecoder
from wyoming_voice.bench.stt import HOUSE
from wyoming_voice.bench.stt_scoring import word_errors

from .conftest import list_file, stt_service
from .wyoming_io import transcribe_once, wav_audio

# What a user of the fake house (tests/fake_hass) would write into --names-file: the names
# of the entities exposed to Assist with their aliases, the areas with theirs, and the city of
# their weather forecast. (tests/stt/test_hass_names.py fetches the same from the fake HA.)
HOUSE_NAMES = (
    "Kitchen Lights", "Kitchen", "Standing Light", "Bed Light", "Office Fan", "EcoBee",
    "Outdoor Humidity", "Office Temperature", "Kitchen Temperature", "Front Door",
    "Garage Door", "Office Blinds", "Sliding Door", "TV", "Party Time", "Movie Night",
    "Living Room", "Lounge", "Office", "Study", "Bedroom", "New York",
)  # fmt: skip

# The same house as the --names-file lines of a user who gives each entity's kind (its Home
# Assistant domain), as Home Assistant itself does: bench stt's house and the areas' aliases.
HOUSE_LINES = (*HOUSE, "area: Lounge", "area: Study")

# Measured on the 73 recordings (2 CPU cores, the two engines of the test decoding at once):
# with HOUSE_LINES 6.8% (28 of 413 words; 3.4% before the rejection of unsure transcripts,
# which empties 5 short commands), with HOUSE_NAMES (plain lines: every name in every slot, a
# larger grammar, stricter) 9.4%, without names 32% (most commands naming the house's devices
# are rejected instead of heard as generic words), general language model 45%.
WER_WITH_NAMES_THRESHOLD = 0.08
WER_WITHOUT_NAMES_THRESHOLD = 0.38

# Names of the fake house, which is also where the test recordings' commands come from: the
# built-in grammar must not know them, or the figures above would be flattered.
TEST_HOUSE_ONLY = (
    "bed light", "ecobee", "standing light", "sliding door", "party time", "outdoor humidity",
    "new york", "movie night",
)  # fmt: skip


@pytest.fixture(scope="module")
def decoder() -> SphinxDecoder:
    """The built-in grammar with generic names, in this process (real dictionary)."""
    return SphinxDecoder(
        DecoderSetup(default_templates(), (*default_names(), *default_areas()), default_areas())
    )


def test_default_grammar_compiles_completely(decoder: SphinxDecoder) -> None:
    """Every phrase and every generic name is used: no syntax mistake, no unknown word."""
    phrases, rules = split_rules(default_templates())
    ready = decoder.ready
    assert ready.mode == "grammar"
    assert ready.skipped_phrases == () and ready.dropped_words == ()
    assert ready.phrase_count == len(phrases) >= 60
    assert len(rules) >= 10
    assert ready.name_count == len(default_names()) + len(default_areas())
    assert ready.area_count == len(default_areas())
    # pocketsphinx accepted it: decoding runs and silence stays empty
    assert decoder.decode(DecodeJob(bytes(32000)))[0] == ""


@pytest.fixture(scope="module")
def any_word() -> Grammar:
    """The built-in grammar and generic names, every word pronounceable."""
    grammar = build_grammar(
        default_templates(),
        (*default_names(), *default_areas()),
        lambda word: "AH",
        areas=default_areas(),
    )
    assert grammar is not None
    return grammar


@pytest.mark.parametrize(
    "phrase",
    [
        "turn on the living room lights",
        "turn off the lights in the bedroom",
        "switch the fan off",
        "turn the lights off in here",
        "toggle the heater",
        "set the lamp brightness to 40 percent",
        "set the brightness of the ceiling light to 100 percent",
        "set the desk lamp color to purple",
        "set the temperature to 21 degrees",
        "open the garage door",
        "close the blinds in the nursery",
        "lock the front door",
        "unlock the back door",
        "what is the temperature in the bedroom",
        "what's the temp of the thermostat",
        "is the garage door open",
        "is the front door locked",
        "what is the value of the humidifier",
        "pause the tv",
        "next track",
        "skip the song on the speaker",
        "run the sprinkler script",
        "activate the radio scene",
        "set a timer for 2 hours and 15 minutes",
        "start a timer for 7 and a half minutes",
        "timer for 30 seconds",
        "set a timer for 1 hour and 1 minute",
        "set a timer for an hour and 20 minutes",
        "start a timer for 1 and a half hours",
        "set a 5 minute timer",
        "cancel the 10 minute timer",
        "add 5 minutes to the timer",
        "cancel all of my timers",
        "stop my timer",
        "pause the timer",
        "how much time is left on my timer",
        "status of my timers",
        "what time is it",
        "what's the date",
        "what's the weather",
        "what is the weather like in the garden",
        "never mind",
        "cancel",
    ],
)
def test_default_grammar_says_what_assist_understands(phrase: str, any_word: Grammar) -> None:
    assert any_word.accepts(phrase)


@pytest.mark.parametrize(
    "phrase",
    [
        "this is a test",
        "turn on the bed light",
        "what is the ecobee temperature",
        # English agreement: "one" takes the singular, other numbers the plural, and a length
        # before "timer" the singular (a recogniser allowed "one minutes" sometimes says it)
        "set a timer for 1 hour and 1 minutes",
        "start a timer for 1 minutes",
        "set a timer for 5 minute",
        "set a 5 minutes timer",
    ],
)
def test_default_grammar_says_nothing_else(phrase: str, any_word: Grammar) -> None:
    assert not any_word.accepts(phrase)


def test_default_grammar_knows_no_names_of_the_test_house() -> None:
    data = files("wyoming_stt.pocketsphinx").joinpath("data")
    text = " ".join(
        spoken_form(data.joinpath(name).read_text(encoding="utf-8"))
        for name in ("default_commands.txt", "default_names.txt", "default_areas.txt")
    )
    for name in TEST_HOUSE_ONLY:
        assert name not in text


@pytest.fixture(scope="module")
def names_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return list_file(tmp_path_factory.mktemp("default-grammar") / "names.txt", HOUSE_NAMES)


@pytest.fixture(scope="module")
def typed_names_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("default-grammar")
    return list_file(folder / "typed-names.txt", HOUSE_LINES)


@pytest.fixture(scope="module")
def default_engine(typed_names_file: Path) -> Iterator[PocketsphinxTranscriber]:
    """No --phrases-file: the built-in grammar, with the house's names from --names-file."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=typed_names_file))
    engine.load()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def no_names_engine() -> Iterator[PocketsphinxTranscriber]:
    """What a new user gets: no flags at all."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions())
    engine.load()
    yield engine
    engine.close()


def _wer(transcripts: list[str], commands: list[tuple[Path, str]], label: str) -> tuple[float, int]:
    edits = words = 0
    misses: list[str] = []
    for (_wav, reference), text in zip(commands, transcripts, strict=True):
        errors, count = word_errors(spoken_form(reference), text)
        edits, words = edits + errors, words + count
        if errors:
            misses.append(f"{spoken_form(reference)!r} → {text!r}")
    print(f"{label}: WER {edits / words:.2%} ({edits}/{words} words); misses: {misses}")
    return edits / words, edits


@pytest.mark.timeout(900)  # 146 decodes, each with the rejection checks, on a busy 2-core box
async def test_default_grammar_with_names_word_error_rate(
    default_engine: PocketsphinxTranscriber,
    no_names_engine: PocketsphinxTranscriber,
    commands: list[tuple[Path, str]],
) -> None:
    """All 73 commands through the server with the house's names; and with no names at all.

    With names (typed lines), measured 6.8% (28 of 413 words): 5 short commands rejected as
    unsure (empty: `skip this song`, `turn bed light off`, `turn off tv`, `what's the temp`,
    `what's the office temp`), plurals dropped (`light` for `lights`), `that` for `the`, `one
    minutes`, `all my` for `all of my`, `the lighting here`. The 8% threshold fails when the
    names stop reaching the grammar (26%) or the grammar breaks (the general model: 45%).

    Without names, measured 32% (132 words): the grammar cannot say `bed light`, `ecobee`,
    `sliding door`, `party time`, `outdoor humidity` or `new york`; most of those commands
    are rejected (empty) rather than heard as the closest generic words. 38% keeps it ahead
    of the general model (45%) and behind the grammar with names.

    The second engine decodes in its own process meanwhile, so both runs share the time.
    """
    assert len(commands) == 73
    assert default_engine.mode == no_names_engine.mode == "grammar"

    def without_names() -> list[str]:
        texts = []
        for wav, _reference in commands:
            pcm, _fmt = wav_audio(wav)
            audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
            request = TranscriptionRequest(audio=audio, language="en")
            segments = no_names_engine.transcribe_batch([request], CancelToken())[0]
            texts.append(" ".join(s.text for s in segments))
        return texts

    background = asyncio.create_task(asyncio.to_thread(without_names))
    with_names: list[str] = []
    async with stt_service(default_engine) as runner:
        for wav, _reference in commands:
            transcript = await transcribe_once(runner.uri, *wav_audio(wav))
            with_names.append(transcript.text)
    wer_names, _ = _wer(with_names, commands, "built-in grammar + names file")
    wer_none, _ = _wer(await background, commands, "built-in grammar, no names")
    assert wer_names <= WER_WITH_NAMES_THRESHOLD
    assert wer_none <= WER_WITHOUT_NAMES_THRESHOLD
    assert wer_names < wer_none


def test_names_file_lines_are_names_and_areas(names_file: Path) -> None:
    """A --names-file line may name an entity or an area: it fills {name} and {area}."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=names_file))
    setup, source, origins = engine._decoder_setup()
    assert source == "the built-in command grammar"
    assert origins == f"{len(HOUSE_NAMES)} from --names-file"
    assert setup.names == setup.areas == HOUSE_NAMES
    assert setup.templates == default_templates()


def test_generic_words_stand_in_only_until_the_house_names_are_known() -> None:
    """A new install hears generic devices and rooms; once the house's names come (here from
    Home Assistant), only those: "thermostat" or "dining room" would be mishearings that Home
    Assistant cannot act on."""
    engine = PocketsphinxTranscriber(PocketsphinxOptions())
    setup, _source, origins = engine._decoder_setup()
    assert origins == "generic device and room words"
    assert "thermostat" in setup.names
    assert "dining room" in setup.areas

    house = Vocabulary(
        names=("Bed Light", "EcoBee"),
        areas=("Office",),
        domains=(("Bed Light", "light"), ("EcoBee", "climate")),
    )
    engine.set_vocabulary(house)
    setup, _source, origins = engine._decoder_setup()
    assert origins == "3 from Home Assistant"
    assert setup.names == ("Bed Light", "EcoBee")
    assert setup.areas == ("Office",)
    assert setup.domains == house.domains


def test_typed_names_file_lines_keep_their_domain(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("light: Desk Lamp\ncover: Skylight\narea: Attic\nPorch\n", encoding="utf-8")
    engine = PocketsphinxTranscriber(PocketsphinxOptions(names_file=path))
    setup, _source, origins = engine._decoder_setup()
    assert origins == "4 from --names-file"
    assert setup.names == ("Desk Lamp", "Skylight", "Porch")
    assert setup.areas == ("Attic", "Porch")
    assert setup.domains == (("Desk Lamp", "light"), ("Skylight", "cover"))


TYPED_HOUSE = (
    "light: Bed Light", "switch: Coffee Maker", "fan: Office Fan", "vacuum: Robo",
    "button: Doorbell Chime", "cover: Garage Door", "lock: Front Door", "media_player: TV",
    "script: Party Time", "scene: Movie Night", "climate: EcoBee", "sensor: Outdoor Humidity",
    "area: Office",
)  # fmt: skip


@pytest.fixture(scope="module")
def typed_house() -> Grammar:
    """The built-in grammar with a house whose names carry their domains (as from HA)."""
    house = parse_names(TYPED_HOUSE)
    grammar = build_grammar(
        default_templates(),
        house.names,
        lambda word: "AH",
        areas=house.areas,
        domains=house.domains,
    )
    assert grammar is not None
    return grammar


@pytest.mark.parametrize(
    "phrase",
    [
        "activate the coffee maker",
        "turn off the office fan",
        "set the office fan to fifty percent",
        "start the robo",
        "send the robo home",
        "press the doorbell chime",
        "open the garage door",
        "lock the front door",
        "pause the tv",
        "set the volume of the tv to thirty percent",
        "run party time",
        "activate movie night",
        "set the ecobee to twenty degrees",
        "dim the bed light",
        "set the bed light to blue",
        "what is the outdoor humidity",
        "what's the office temperature",
        "turn off the lights in the office",
    ],
)
def test_a_typed_house_keeps_what_assist_understands(typed_house: Grammar, phrase: str) -> None:
    assert typed_house.accepts(phrase)


@pytest.mark.parametrize(
    "phrase",
    [
        "open the bed light",
        "pause the garage door",
        "unlock the tv",
        "dim the office fan",
        "set the coffee maker to blue",
        "turn off the front door",
        "turn on the outdoor humidity",
        "unpause the movie night",
        "press the bed light",
        "dim the office",
    ],
)
def test_a_typed_house_has_no_verb_for_the_wrong_kind(typed_house: Grammar, phrase: str) -> None:
    assert not typed_house.accepts(phrase)


def test_a_clients_names_do_not_retype_the_house() -> None:
    """A transcript_names entry the house already has, in any spelling, keeps its kind: the
    Office area stays no device; a new name gets a request grammar of its own."""
    house = parse_names(TYPED_HOUSE)
    decoder = SphinxDecoder(
        DecoderSetup(default_templates(), house.names, house.areas, house.domains)
    )
    assert decoder._search_for(("office", "BED LIGHT")) == "commands"
    assert decoder._search_for(("Porch Light",)) != "commands"
