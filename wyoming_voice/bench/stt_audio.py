"""A held-out set of spoken commands for `bench stt`, made on this machine.

Real-voice-like, not the synthesized clips of ../shared/audio/commands: the real Piper voice
(en_US-joe, at three speaking rates) and several espeak-ng voices say smart-home commands with
names that are hard for recognisers ("Office RGBW Lights", "HVAC", "EcoBee", "Mood Lighting",
"Standing Light"), plus sentences that are not commands at all (`other`) and commands naming
devices the house does not have (`absent`): for both, the right answer is an empty transcript.
Every clip gets background noise (../shared/audio/misc/background_noise.wav at 8-20 dB SNR) and
half of them room reverb (sox). The set is written once into a cache folder with a
TRANSCRIPTS.tsv (`kind` column: `command`, `other` or `absent`) and NAMES.txt (the house's
names with their domains, as Home Assistant would list them; the --names-file format).

A second set, TUNING, is made the same way from another house (other names, other sentences):
thresholds such as the embedded engine's rejection are chosen on it, so the held-out set stays
held out (`bench stt --made-set tuning`)."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wyoming_common.audio import read_wav, to_float_mono
from wyoming_common.errors import WyomingVoiceError

VERSION = 2
SAMPLE_RATE = 16000

# (name, Home Assistant domain) of the house's entities, as Home Assistant would list them.
ENTITIES = (
    ("Office RGBW Lights", "light"), ("HVAC", "climate"), ("EcoBee", "climate"),
    ("Mood Lighting", "scene"), ("Standing Light", "light"), ("Kitchen Lights", "light"),
    ("Bed Light", "light"), ("Ceiling Lights", "light"), ("Front Door", "lock"),
    ("Garage Door", "cover"), ("Sliding Door", "cover"), ("Office Fan", "fan"),
    ("Living Room Lamp", "light"), ("TV", "media_player"), ("Party Time", "script"),
    ("Movie Night", "scene"), ("Outdoor Humidity", "sensor"), ("Shopping List", "todo"),
)  # fmt: skip
AREAS = ("Kitchen", "Office", "Living Room", "Bedroom", "Garage")

COMMANDS = (
    "turn on the Office RGBW Lights", "turn off the Office RGBW Lights",
    "set the HVAC to 21 degrees", "turn off the HVAC", "what is the EcoBee temperature",
    "activate Mood Lighting", "turn on Standing Light", "turn off the Standing Light",
    "turn on the Kitchen Lights", "turn off the lights in the Office", "open the Garage Door",
    "close the Sliding Door", "lock the Front Door", "is the Front Door locked",
    "set the Bed Light to blue", "set the brightness of the Kitchen Lights to 50 percent",
    "turn on the TV", "pause the TV", "run Party Time", "activate Movie Night",
    "what is the Outdoor Humidity", "turn on the Office Fan", "set a timer for 5 minutes",
    "cancel the timer", "what time is it", "what is the weather", "never mind",
    "turn the Ceiling Lights off", "dim the Living Room Lamp", "turn on the lights in the Bedroom",
)  # fmt: skip
OTHER = (
    "add apples to my Shopping List", "what is the capital of France", "tell me a joke",
    "call my mother", "remind me to water the plants tomorrow", "play some jazz by Miles Davis",
    "how tall is Mount Everest", "order a large pizza",
)  # fmt: skip
# Commands naming devices the house does not have: the right answer names none of the house's.
ABSENT = (
    "turn on the hot tub", "start the lawn mower", "turn off the fish tank", "dim the chandelier",
    "turn on the electric blanket", "open the chicken coop", "turn off the Bedroom Fan",
    "turn on the Garage Lights", "lock the shed", "turn on the Standing Desk",
)  # fmt: skip
CHATTER = (
    "I think it is going to be a long day", "do you know any good restaurants nearby",
    "what was the name of that movie", "hello how are you",
)  # fmt: skip

# The tuning house: nothing in common with the held-out set's names or sentences.
# The Patio Door is two entities: its lock and its motor (a cover).
TUNING_ENTITIES = (
    ("Porch Light", "light"), ("Desk Lamp", "light"), ("Reading Lamp", "light"),
    ("Nightstand Lamp", "light"), ("Hallway Lights", "light"), ("String Lights", "switch"),
    ("Christmas Tree", "switch"), ("Ceiling Fan", "fan"), ("Water Heater", "water_heater"),
    ("Air Purifier", "fan"), ("Back Door", "lock"), ("Patio Door", "lock"),
    ("Patio Door", "cover"), ("Skylight", "cover"), ("Sonos", "media_player"),
    ("Jacuzzi", "climate"), ("Good Night", "scene"), ("Dinner Time", "script"),
)  # fmt: skip
TUNING_AREAS = ("Guest Room", "Dining Room", "Hallway", "Basement", "Nursery")
TUNING_COMMANDS = (
    "turn on the Porch Light", "turn off the Porch Light", "set the Porch Light to red",
    "switch on the Desk Lamp", "toggle the Desk Lamp", "set the Desk Lamp to 40 percent",
    "turn the Reading Lamp off", "dim the Nightstand Lamp", "lock the Back Door",
    "is the Back Door locked", "open the Patio Door", "unlock the Patio Door", "open the Skylight",
    "turn off the Ceiling Fan", "turn off the Hallway Lights", "turn off the String Lights",
    "turn on the Christmas Tree", "turn off the Water Heater", "turn on the Air Purifier",
    "pause the Sonos", "set the volume of the Sonos to 30 percent", "next track",
    "set the Jacuzzi to 40 degrees", "activate Good Night", "run Dinner Time",
    "turn off the lights in the Guest Room", "turn on the lights in the Dining Room",
    "set a timer for 10 minutes", "what is the temperature in the Basement",
    "close the blinds in the Nursery",
)  # fmt: skip
TUNING_OTHER = (
    "buy more milk", "translate hello into Spanish", "read me the news", "who won the world cup",
    "send a message to Anna", "how do I make pancakes", "what's on my calendar",
    "wake me up at seven",
)  # fmt: skip
TUNING_ABSENT = (
    "turn on the fireplace", "turn on the sauna", "turn on the espresso machine",
    "turn off the pool pump", "turn on the lava lamp", "turn on the heated floor",
    "close the attic hatch", "turn off the aquarium light", "turn on the space heater",
    "start the dishwasher",
)  # fmt: skip
TUNING_CHATTER = (
    "good morning", "can you hear me", "I'm going to bed", "what's the score of the game",
)  # fmt: skip


@dataclass(frozen=True)
class ClipSetSpec:
    """What one made set holds: the house (entities, areas) and the sentences by kind."""

    name: str
    entities: tuple[tuple[str, str], ...]
    """(name, Home Assistant domain)."""
    areas: tuple[str, ...]
    commands: tuple[str, ...]
    other: tuple[str, ...]
    absent: tuple[str, ...]
    chatter: tuple[str, ...]
    seed: int

    @property
    def names(self) -> tuple[str, ...]:
        """The entities' names, each once."""
        return tuple(dict.fromkeys(name for name, _domain in self.entities))

    @property
    def house(self) -> tuple[str, ...]:
        """The names Home Assistant would give for this house: entities, then areas."""
        return (*self.names, *self.areas)

    @property
    def names_file_lines(self) -> tuple[str, ...]:
        """The house as --names-file lines: `domain: Name`, `area: Name`."""
        entities = (f"{domain}: {name}" for name, domain in self.entities)
        return (*entities, *(f"area: {area}" for area in self.areas))


# (engine, voice, rate): Piper joe at three length scales, espeak-ng voices at their rates.
VOICES = (
    ("piper", "joe", 1.0),
    ("espeak", "en-us+m3", 150),
    ("piper", "joe", 0.85),
    ("espeak", "en-gb+f3", 140),
    ("piper", "joe", 1.15),
    ("espeak", "en-us+f2", 165),
)


@dataclass(frozen=True)
class Rendition:
    """One clip: who says what, how noisy, with or without reverb."""

    text: str
    kind: str
    engine: str
    voice: str
    rate: float
    snr_db: float
    reverb: bool

    @property
    def file_name(self) -> str:
        digest = hashlib.sha1(repr(self).encode()).hexdigest()[:8]
        words = "_".join(self.text.lower().split())[:40]
        return f"{words}_{self.engine}_{digest}.wav"


HELDOUT = ClipSetSpec("heldout", ENTITIES, AREAS, COMMANDS, OTHER, ABSENT, CHATTER, seed=13)
TUNING = ClipSetSpec(
    "tuning",
    TUNING_ENTITIES,
    TUNING_AREAS,
    TUNING_COMMANDS,
    TUNING_OTHER,
    TUNING_ABSENT,
    TUNING_CHATTER,
    seed=29,
)
MADE_SETS = {spec.name: spec for spec in (HELDOUT, TUNING)}


def renditions(spec: ClipSetSpec = HELDOUT) -> list[Rendition]:
    """Two voices per sentence, noise and reverb varied deterministically."""
    rng = np.random.default_rng(spec.seed)
    items: list[Rendition] = []
    sentences = [(t, "command") for t in spec.commands] + [(t, "other") for t in spec.other]
    sentences += [(t, "absent") for t in spec.absent] + [(t, "other") for t in spec.chatter]
    for index, (text, kind) in enumerate(sentences):
        for take in range(2):
            engine, voice, rate = VOICES[(2 * index + take) % len(VOICES)]
            snr = float(rng.uniform(8.0, 20.0))
            items.append(Rendition(text, kind, engine, voice, rate, round(snr, 1), take == 1))
    return items


def build_clip_set(
    folder: Path, piper_voice: Path, noise: Path, spec: ClipSetSpec = HELDOUT
) -> Path:
    """Write the set into folder (once; a finished set is reused). Returns the folder."""
    marker = folder / f".complete-{spec.name}-v{VERSION}"
    if marker.exists():
        return folder
    others = [m.name for m in folder.glob(".complete-*-v*") if m.name != marker.name]
    if others:
        # One folder, one set: a tuning set written over the held-out one would not be held out.
        raise WyomingVoiceError(
            f"{folder} holds another made set ({others[0]}); use another folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    background = _load(noise)
    voice = _piper(piper_voice)
    rows = ["file\ttranscript\tkind\tvoice"]
    for item in renditions(spec):
        target = folder / item.file_name
        if not target.exists():
            audio = _speak(item, voice)
            audio = _add_noise(audio, background, item.snr_db, seed=len(rows))
            if item.reverb:
                audio = _reverb(audio)
            _write(target, audio)
        rows.append(f"{item.file_name}\t{item.text}\t{item.kind}\t{item.engine}:{item.voice}")
    (folder / "TRANSCRIPTS.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "NAMES.txt").write_text("\n".join(spec.names_file_lines) + "\n", encoding="utf-8")
    marker.write_text("ok\n", encoding="utf-8")
    return folder


def _piper(path: Path) -> object:
    from piper import PiperVoice

    return PiperVoice.load(path)


def _speak(item: Rendition, voice: object) -> np.ndarray:
    with tempfile.TemporaryDirectory(prefix="stt-heldout-") as tmp:
        wav_path = Path(tmp) / "speech.wav"
        if item.engine == "piper":
            from piper import SynthesisConfig

            with wave.open(str(wav_path), "wb") as wav:
                voice.synthesize_wav(  # type: ignore[attr-defined]
                    item.text, wav, syn_config=SynthesisConfig(length_scale=item.rate)
                )
        else:
            command = ["espeak-ng", "-v", item.voice, "-s", str(int(item.rate))]
            subprocess.run(
                [*command, "-w", str(wav_path), item.text],
                check=True,
                capture_output=True,
            )
        return _load(wav_path)


def _load(path: Path) -> np.ndarray:
    pcm, fmt = read_wav(path)
    return to_float_mono(pcm, fmt, SAMPLE_RATE)


def _add_noise(audio: np.ndarray, noise: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """Half a second of silence around the speech, noise over all of it at snr_db."""
    pad = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    speech = np.concatenate([pad, audio, pad])
    start = np.random.default_rng(seed).integers(0, max(1, len(noise) - len(speech)))
    bed = np.resize(np.roll(noise, -int(start)), len(speech))
    speech_rms = float(np.sqrt(np.mean(audio**2))) or 1e-4
    noise_rms = float(np.sqrt(np.mean(bed**2))) or 1e-4
    bed = bed * (speech_rms / noise_rms) / (10 ** (snr_db / 20))
    mixed = speech + bed
    return np.clip(mixed, -1.0, 1.0).astype(np.float32)


def _reverb(audio: np.ndarray) -> np.ndarray:
    """A small room through sox (reverberance 40 %, room scale 50 %)."""
    with tempfile.TemporaryDirectory(prefix="stt-reverb-") as tmp:
        dry, wet = Path(tmp) / "dry.wav", Path(tmp) / "wet.wav"
        _write(dry, audio)
        subprocess.run(
            ["sox", str(dry), str(wet), "reverb", "40", "50", "50", "gain", "-n", "-3"],
            check=True,
            capture_output=True,
        )
        return _load(wet)


def _write(path: Path, audio: np.ndarray) -> None:
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
