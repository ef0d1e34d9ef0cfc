"""A Piper voice's ONNX graph cut in two before its waveform decoder, so audio comes in pieces.

Piper (VITS) turns phoneme ids into a latent sequence (one frame per `hop` samples: text
encoder, durations, flow), then a convolutional decoder (HiFi-GAN) turns the latent into audio.
The decoder is most of the work. Run on the whole latent, the first sample waits for the last;
run on windows of the latent with a few frames of context on each side, each window's middle
is the same audio (to float rounding) and the first piece is out after a fraction of the time.
The context needed is checked on the voice itself when it loads (`calibrate`).

Graphs without a recognisable decoder (or without the `onnx` package to cut them) run whole:
one piece per sentence, as before. onnx and onnxruntime are imported only here, in the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

_LOGGER = logging.getLogger(__name__)

DECODER_WEIGHT = "dec.conv_pre.weight"  # the decoder's first convolution (input: the latent)
CONDITION_WEIGHT = "dec.cond.weight"  # speaker conditioning of multi-speaker voices
FIRST_FRAMES = 16  # ~0.19 s of audio at hop 256 / 22050 Hz: the first piece
MAX_FRAMES = 128  # later pieces double up to this (less context overhead, still streaming)
CONTEXT_FRAMES = 12  # latent frames decoded on each side of a window and thrown away
MAX_CONTEXT_FRAMES = 48
MIN_SNR_DB = 50.0  # pieces vs whole decoding: below this the context is too short


@dataclass(frozen=True)
class DecoderCut:
    """Where the graph is cut: the decoder's inputs, produced by the first half."""

    latent: str
    condition: str | None = None

    @property
    def tensors(self) -> list[str]:
        """Outputs of the first half = inputs of the second."""
        return [self.latent] + ([self.condition] if self.condition else [])


def find_decoder_cut(graph: Any) -> DecoderCut | None:
    """The decoder's input tensors in an onnx GraphProto, or None when there is no decoder."""
    latent = condition = None
    for node in graph.node:
        if node.op_type == "Conv" and len(node.input) > 1:
            if node.input[1] == DECODER_WEIGHT:
                latent = node.input[0]
            elif node.input[1] == CONDITION_WEIGHT:
                condition = node.input[0]
    return None if latent is None else DecoderCut(latent, condition)


def windows(frames: int, context: int) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, window_start, window_end) of each piece: FIRST_FRAMES, then doubling."""
    start, size = 0, FIRST_FRAMES
    while start < frames:
        end = min(frames, start + size)
        yield start, end, max(0, start - context), min(frames, end + context)
        start, size = end, min(2 * size, MAX_FRAMES)


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    """Signal-to-noise ratio of other against reference, in dB."""
    noise = float(np.sum((reference - other) ** 2))
    signal = float(np.sum(reference**2))
    return 200.0 if noise <= 0 else 10 * float(np.log10(max(signal, 1e-20) / noise))


class PiperModel:
    """Phoneme ids → float audio pieces for one voice file (blocking; one call at a time)."""

    def __init__(self, model_path: str, *, providers: list[Any], hop_length: int) -> None:
        import onnxruntime

        self.hop = hop_length
        self.context = CONTEXT_FRAMES
        self.cut: DecoderCut | None = None
        self.streams = False  # True when a sentence comes in several pieces
        options = onnxruntime.SessionOptions()
        halves = _split(model_path)
        if halves is None:
            self._whole = onnxruntime.InferenceSession(model_path, options, providers=providers)
            self.input_names = {i.name for i in self._whole.get_inputs()}
            return
        cut, encoder, decoder = halves
        try:
            self._encoder = onnxruntime.InferenceSession(encoder, options, providers=providers)
            self._decoder = onnxruntime.InferenceSession(decoder, options, providers=providers)
        except Exception as err:  # onnxruntime rejects a cut it cannot run: run it whole
            _LOGGER.warning("Cannot run %s in two halves (%s): decoding whole", model_path, err)
            self._whole = onnxruntime.InferenceSession(model_path, options, providers=providers)
            self.input_names = {i.name for i in self._whole.get_inputs()}
            return
        self.cut = cut
        self.streams = True
        self.input_names = {i.name for i in self._encoder.get_inputs()}

    def providers(self) -> list[str]:
        """The onnxruntime providers in use (first = where it runs)."""
        session = self._whole if self.cut is None else self._decoder
        providers: list[str] = session.get_providers()
        return providers

    def pieces(self, inputs: dict[str, np.ndarray]) -> Iterator[np.ndarray]:
        """Float audio of one phoneme sequence, in pieces (the caller stops iterating to cancel)."""
        if self.cut is None:
            yield self._whole.run(None, inputs)[0].reshape(-1)
            return
        tensors = self._encoder.run(self.cut.tensors, inputs)
        latent = tensors[0]
        if not self.streams:
            yield self._decode(latent, tensors[1:])
            return
        for start, end, low, high in windows(latent.shape[2], self.context):
            audio = self._decode(latent[:, :, low:high], tensors[1:])
            offset = (start - low) * self.hop
            yield audio[offset : offset + (end - start) * self.hop]

    def _decode(self, latent: np.ndarray, condition: list[np.ndarray]) -> np.ndarray:
        assert self.cut is not None
        feed = {self.cut.latent: latent}
        if self.cut.condition is not None:
            feed[self.cut.condition] = condition[0]
        audio: np.ndarray = self._decoder.run(None, feed)[0].reshape(-1)
        return audio

    def calibrate(self, inputs: dict[str, np.ndarray]) -> float:
        """Check pieces against whole decoding on real input, widening the context until they
        match (or giving up on pieces); returns the audio's peak for the caller's gain."""
        if self.cut is None:
            return float(np.max(np.abs(next(self.pieces(inputs)))))
        tensors = self._encoder.run(self.cut.tensors, inputs)
        whole = self._decode(tensors[0], tensors[1:])
        if whole.size != tensors[0].shape[2] * self.hop:
            _LOGGER.warning("Decoder makes %d samples per frame, not %d", whole.size, self.hop)
            self.streams = False
            return float(np.max(np.abs(whole)))
        while True:
            pieces = np.concatenate(
                [
                    self._decode(tensors[0][:, :, low:high], tensors[1:])[
                        (start - low) * self.hop : (end - low) * self.hop
                    ]
                    for start, end, low, high in windows(tensors[0].shape[2], self.context)
                ]
            )
            quality = snr_db(whole, pieces)
            if quality >= MIN_SNR_DB:
                _LOGGER.debug(
                    "Decoding in pieces: %d context frames, %.0f dB", self.context, quality
                )
                break
            if self.context >= MAX_CONTEXT_FRAMES:
                _LOGGER.warning(
                    "Pieces differ from whole decoding (%.0f dB): decoding whole", quality
                )
                self.streams = False
                break
            self.context *= 2
        return float(np.max(np.abs(whole)))


def _split(model_path: str) -> tuple[DecoderCut, bytes, bytes] | None:
    """The serialized halves of the graph, or None (logged) when it cannot be cut."""
    try:
        import onnx
        from onnx.utils import Extractor
    except ImportError:
        _LOGGER.info("The onnx package is not installed: each sentence is decoded whole")
        return None
    model = onnx.load(model_path)
    cut = find_decoder_cut(model.graph)
    if cut is None:
        _LOGGER.info("No Piper decoder found in %s: each sentence is decoded whole", model_path)
        return None
    outputs = [output.name for output in model.graph.output]
    inputs = [graph_input.name for graph_input in model.graph.input]
    try:
        extractor = Extractor(model)
        encoder = extractor.extract_model(inputs, cut.tensors)
        decoder = extractor.extract_model(cut.tensors, outputs[:1])
    except Exception as err:  # onnx raises several kinds for graphs it cannot cut
        _LOGGER.warning("Cannot cut %s before its decoder (%s): decoding whole", model_path, err)
        return None
    return cut, encoder.SerializeToString(), decoder.SerializeToString()
