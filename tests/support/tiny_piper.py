"""Build a tiny, fully functional Piper voice for tests (no downloads needed).

The voice is written in the exact on-disk format of a real Piper voice
(``NAME.onnx`` + ``NAME.onnx.json``), so it loads through
``piper.PiperVoice.load`` and synthesizes through the normal code path:
bundled espeak-ng phonemization, phoneme id mapping, and an onnxruntime
session on the CPU.

Instead of a VITS network, the ONNX graph renders a deterministic tone.
Every phoneme id becomes ``HOP_LENGTH * length_scale`` samples of a sine
wave whose frequency depends on the phoneme id (and on the speaker id for
multi-speaker voices), so the audio length grows with the text and with
``length_scale`` exactly like a real voice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Final

import onnx
from onnx import TensorProto, helper

HOP_LENGTH: Final = 256
"""Audio samples produced per phoneme id at ``length_scale == 1``."""

NUM_SYMBOLS: Final = 256
"""Size of the phoneme vocabulary, as in real Piper voices."""

BASE_FREQUENCY_HZ: Final = 220.0
PHONEME_FREQUENCY_STEP_HZ: Final = 4.0
SPEAKER_FREQUENCY_STEP_HZ: Final = 55.0
AMPLITUDE: Final = 0.5

DEFAULT_NOISE_SCALE: Final = 0.667
DEFAULT_LENGTH_SCALE: Final = 1.0
DEFAULT_NOISE_W: Final = 0.8

OPSET_VERSION: Final = 17
IR_VERSION: Final = 8

DEFAULT_SPEAKER_NAMES: Final = ("alice", "bob", "carol", "dave", "erin", "frank")

# Symbols of the espeak phoneme id map used by real Piper voices (ids are the
# position in this sequence). Combining characters are spelled as escapes.
_SPECIAL_SYMBOLS: Final = ("_", "^", "$", " ")
_PUNCTUATION: Final = "!'(),-.:;?"
_LATIN_LETTERS: Final = "abcdefhijklmnopqrstuvwxyz"  # "g" is appended later (id 154)
_IPA_SYMBOLS: Final = (
    "æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ"
)
_DIGITS: Final = "0123456789"
_EXTRA_SYMBOLS: Final = (
    "\u0327",  # combining cedilla
    "\u0303",  # combining tilde
    "\u032a",  # combining bridge below
    "\u032f",  # combining inverted breve below
    "\u0329",  # combining vertical line below
    "ʰ",
    "ˤ",
    "ε",
    "↓",
    "#",
    '"',
    "↑",
    "\u033a",  # combining inverted bridge below
    "\u033b",  # combining square below
    "g",
    "ʦ",
    "X",
    "\u031d",  # combining up tack below
    "\u030a",  # combining ring above
    "ɝ",
    "ʷ",
)


def espeak_phoneme_id_map() -> dict[str, list[int]]:
    """Return the full espeak phoneme id map used by real Piper voices.

    Covers padding/BOS/EOS, space, punctuation, Latin letters, IPA symbols,
    stress and length marks, digits and combining diacritics (161 entries).
    """
    symbols: list[str] = [
        *_SPECIAL_SYMBOLS,
        *_PUNCTUATION,
        *_LATIN_LETTERS,
        *_IPA_SYMBOLS,
        *_DIGITS,
        *_EXTRA_SYMBOLS,
    ]
    return {symbol: [symbol_id] for symbol_id, symbol in enumerate(symbols)}


def espeak_voice_for(language_code: str) -> str:
    """Return the espeak-ng voice name Piper voices use for a language code.

    English voices keep their region (``en_US`` -> ``en-us``); other languages
    use the bare language family (``de_DE`` -> ``de``), as real voices do.
    """
    family, _, region = language_code.partition("_")
    if family.lower() == "en" and region:
        return f"en-{region.lower()}"
    return family.lower()


def speaker_id_map(num_speakers: int) -> dict[str, int]:
    """Return a speaker name -> id map (empty for single-speaker voices)."""
    if num_speakers <= 1:
        return {}
    return {_speaker_name(speaker_id): speaker_id for speaker_id in range(num_speakers)}


def _speaker_name(speaker_id: int) -> str:
    """Return a stable, human-looking name for a speaker id."""
    if speaker_id < len(DEFAULT_SPEAKER_NAMES):
        return DEFAULT_SPEAKER_NAMES[speaker_id]
    return f"speaker_{speaker_id}"


def build_tiny_piper_config(
    name: str,
    *,
    num_speakers: int = 1,
    sample_rate: int = 22050,
    language_code: str = "en_US",
) -> dict[str, Any]:
    """Return a Piper voice config dict shaped like a real ``.onnx.json``."""
    family, _, region = language_code.partition("_")
    name_parts = name.split("-")
    dataset = name_parts[1] if len(name_parts) >= 3 else name
    quality = name_parts[-1] if len(name_parts) >= 3 else "medium"
    return {
        "dataset": dataset,
        "audio": {"sample_rate": sample_rate, "quality": quality},
        "espeak": {"voice": espeak_voice_for(language_code)},
        "language": {
            "code": language_code,
            "family": family,
            "region": region,
            "name_native": family,
            "name_english": family,
            "country_english": region,
        },
        "inference": {
            "noise_scale": DEFAULT_NOISE_SCALE,
            "length_scale": DEFAULT_LENGTH_SCALE,
            "noise_w": DEFAULT_NOISE_W,
        },
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": espeak_phoneme_id_map(),
        "num_symbols": NUM_SYMBOLS,
        "num_speakers": num_speakers,
        "speaker_id_map": speaker_id_map(num_speakers),
        "piper_version": "1.0.0",
    }


def _scalar(name: str, value: float, data_type: int = TensorProto.FLOAT) -> onnx.NodeProto:
    """Return a Constant node holding a 0-d tensor."""
    return helper.make_node(
        "Constant", [], [name], value=helper.make_tensor(name, data_type, [], [value])
    )


def _graph_inputs(multi_speaker: bool) -> list[onnx.ValueInfoProto]:
    """Return Piper's model inputs (``sid`` only for multi-speaker voices)."""
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if multi_speaker:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    return inputs


def _length_nodes() -> list[onnx.NodeProto]:
    """Nodes computing ``samples_per_id`` and the float sample index ``t``."""
    return [
        _scalar("hop_length", float(HOP_LENGTH)),
        _scalar("zero", 0.0),
        _scalar("one", 1.0),
        _scalar("length_scale_index", 1, TensorProto.INT64),
        helper.make_node("Gather", ["scales", "length_scale_index"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["hop_length", "length_scale"], ["samples_per_id_raw"]),
        helper.make_node("Floor", ["samples_per_id_raw"], ["samples_per_id_floor"]),
        helper.make_node("Max", ["samples_per_id_floor", "one"], ["samples_per_id"]),
        helper.make_node("Squeeze", ["input_lengths"], ["num_ids_int"]),
        helper.make_node("Cast", ["num_ids_int"], ["num_ids"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["num_ids", "samples_per_id"], ["num_samples"]),
        helper.make_node("Range", ["zero", "num_samples", "one"], ["t"]),
    ]


def _frequency_nodes(multi_speaker: bool) -> list[onnx.NodeProto]:
    """Nodes computing the per-sample frequency ``freq`` from phoneme (and speaker) ids."""
    nodes = [
        helper.make_node("Div", ["t", "samples_per_id"], ["id_position_raw"]),
        helper.make_node("Floor", ["id_position_raw"], ["id_position_float"]),
        helper.make_node("Cast", ["id_position_float"], ["id_position"], to=TensorProto.INT64),
        helper.make_node("Squeeze", ["input", "batch_axis"], ["phoneme_ids"]),
        helper.make_node("Gather", ["phoneme_ids", "id_position"], ["sample_ids_int"], axis=0),
        helper.make_node("Cast", ["sample_ids_int"], ["sample_ids"], to=TensorProto.FLOAT),
        _scalar("phoneme_step", PHONEME_FREQUENCY_STEP_HZ),
        _scalar("base_frequency", BASE_FREQUENCY_HZ),
        helper.make_node("Mul", ["sample_ids", "phoneme_step"], ["phoneme_offset"]),
        helper.make_node("Add", ["phoneme_offset", "base_frequency"], ["phoneme_freq"]),
    ]
    if not multi_speaker:
        nodes.append(helper.make_node("Identity", ["phoneme_freq"], ["freq"]))
        return nodes
    return [
        *nodes,
        helper.make_node("Cast", ["sid"], ["sid_float"], to=TensorProto.FLOAT),
        _scalar("speaker_step", SPEAKER_FREQUENCY_STEP_HZ),
        helper.make_node("Mul", ["sid_float", "speaker_step"], ["speaker_offset"]),
        helper.make_node("Add", ["phoneme_freq", "speaker_offset"], ["freq"]),
    ]


def _waveform_nodes(sample_rate: int) -> list[onnx.NodeProto]:
    """Nodes rendering ``output`` = AMPLITUDE * sin(2*pi*freq*t/sr), shaped [1, 1, N]."""
    return [
        _scalar("angular_step", 2.0 * math.pi / sample_rate),
        _scalar("amplitude", AMPLITUDE),
        # Frequencies are whole Hz, so wrapping t at one second keeps the phase exact
        # while bounding float32 magnitudes for long utterances.
        _scalar("sample_rate", float(sample_rate)),
        helper.make_node("Mod", ["t", "sample_rate"], ["t_wrapped"], fmod=1),
        helper.make_node("Mul", ["freq", "t_wrapped"], ["cycles"]),
        helper.make_node("Mul", ["cycles", "angular_step"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "amplitude"], ["audio_flat"]),
        helper.make_node("Unsqueeze", ["audio_flat", "output_axes"], ["output"]),
    ]


def build_tiny_piper_model(*, num_speakers: int = 1, sample_rate: int = 22050) -> onnx.ModelProto:
    """Return the tiny tone-generator ONNX model with Piper's inputs and output."""
    multi_speaker = num_speakers > 1
    axes_initializers = [
        helper.make_tensor("batch_axis", TensorProto.INT64, [1], [0]),
        helper.make_tensor("output_axes", TensorProto.INT64, [2], [0, 1]),
    ]
    graph = helper.make_graph(
        nodes=[
            *_length_nodes(),
            *_frequency_nodes(multi_speaker),
            *_waveform_nodes(sample_rate),
        ],
        name="tiny_piper",
        inputs=_graph_inputs(multi_speaker),
        outputs=[helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
        initializer=axes_initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET_VERSION)],
        producer_name="wyoming-voice-tests",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def build_tiny_piper_voice(
    data_dir: Path,
    name: str = "en_US-tiny-medium",
    *,
    num_speakers: int = 1,
    sample_rate: int = 22050,
    language_code: str = "en_US",
) -> Path:
    """Write NAME.onnx + NAME.onnx.json (a real Piper voice format) into data_dir.

    Returns the path of the ``.onnx`` model; the config sits next to it as
    ``<model>.onnx.json``, where ``PiperVoice.load`` looks for it by default.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = data_dir / f"{name}.onnx"
    config_path = data_dir / f"{name}.onnx.json"

    model = build_tiny_piper_model(num_speakers=num_speakers, sample_rate=sample_rate)
    onnx.save_model(model, str(onnx_path))

    config = build_tiny_piper_config(
        name, num_speakers=num_speakers, sample_rate=sample_rate, language_code=language_code
    )
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return onnx_path
