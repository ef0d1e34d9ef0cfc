"""A Piper voice's ONNX graph cut before its flow and its waveform decoder, so audio comes in
pieces.

Piper (VITS) turns phoneme ids into a prior sequence (text encoder and durations: one frame
per `hop` samples), a flow turns the prior into the latent, and a convolutional decoder
(HiFi-GAN) turns the latent into audio. Flow and decoder are convolutions along the frames and
most of the work. Run on the whole sentence, the first sample waits for the last; run on a
window with a few frames of context on each side, the window's middle is the same (to float
rounding). So the first piece needs the front part on the whole sentence, the flow on its first
frames and the decoder on its first window; the rest of the flow runs once, and the decoder
on growing windows. The context needed is checked on the voice itself when it loads
(`calibrate`).

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
MAX_FRAMES = 256  # later pieces grow 4x up to this: less context overhead, still ahead of playback
CONTEXT_FRAMES = 12  # latent frames decoded on each side of a window and thrown away
FLOW_CONTEXT_FRAMES = 16  # prior frames after the first window that the flow needs
MAX_CONTEXT_FRAMES = 64
MIN_SNR_DB = 50.0  # pieces vs whole: below this the context is too short


@dataclass(frozen=True)
class GraphCut:
    """Where the graph is cut: the decoder's inputs, and the flow's when it was found."""

    latent: str
    condition: str | None = None
    prior: str | None = None  # the flow's input (z_p)
    mask: str | None = None  # frames mask, an input of the flow

    @property
    def extra(self) -> list[str]:
        """Tensors every later part also needs (the speaker condition)."""
        return [self.condition] if self.condition else []

    @property
    def front(self) -> list[str]:
        """Outputs of the front part: the flow's inputs, or the latent when there is no flow cut."""
        flow = [self.prior, self.mask] if self.prior and self.mask else [self.latent]
        return [*flow, *self.extra]


def find_cut(graph: Any) -> GraphCut | None:
    """The decoder's (and the flow's) input tensors in an onnx GraphProto; None without decoder."""
    latent = condition = None
    for node in graph.node:
        if node.op_type == "Conv" and len(node.input) > 1:
            if node.input[1] == DECODER_WEIGHT:
                latent = node.input[0]
            elif node.input[1] == CONDITION_WEIGHT:
                condition = node.input[0]
    if latent is None:
        return None
    producers = {output: node for node in graph.node for output in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    # The latent is flow(prior) * mask; the prior is mean + noise * exp(log_scale) * noise_scale.
    masking = producers.get(latent)
    mask = None
    if masking is not None and masking.op_type == "Mul" and len(masking.input) == 2:
        mask = masking.input[1]
    return GraphCut(latent, condition, _prior(graph, consumers), mask)


def _prior(graph: Any, consumers: dict[str, list[Any]]) -> str | None:
    for node in graph.node:
        if node.op_type != "RandomNormalLike" or node.name.startswith("/dp/"):
            continue  # the duration predictor draws its own noise
        tensor = node.output[0]
        for _step in range(4):
            users = consumers.get(tensor, [])
            if len(users) != 1 or users[0].op_type not in ("Mul", "Add"):
                break
            if users[0].op_type == "Add":
                return str(users[0].output[0])
            tensor = users[0].output[0]
    return None


def windows(frames: int, context: int) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, window_start, window_end) of each piece: FIRST_FRAMES, then 4x larger.

    Each piece is decoded long before the one before it has been played: a piece of n frames
    plays for n * hop / rate seconds, while decoding 4n frames takes a fraction of that.
    """
    start, size = 0, FIRST_FRAMES
    while start < frames:
        end = min(frames, start + size)
        yield start, end, max(0, start - context), min(frames, end + context)
        start, size = end, min(4 * size, MAX_FRAMES)


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    """Signal-to-noise ratio of other against reference, in dB."""
    noise = float(np.sum((reference - other) ** 2))
    signal = float(np.sum(reference**2))
    return 200.0 if noise <= 0 else 10 * float(np.log10(max(signal, 1e-20) / noise))


Tensors = dict[str, np.ndarray]


class PiperModel:
    """Phoneme ids → float audio pieces for one voice file (blocking; one call at a time)."""

    def __init__(self, model_path: str, *, providers: list[Any], hop_length: int) -> None:
        import onnxruntime

        self.hop = hop_length
        self.context = CONTEXT_FRAMES
        self.flow_context: int | None = None  # None: the first piece waits for the whole flow
        self.cut: GraphCut | None = None
        self.streams = False  # True when a sentence comes in several pieces
        options = onnxruntime.SessionOptions()
        # Idle pool threads spinning for the next run steal the CPU from the other parts, the
        # event loop and the other services on the box: measured on a loaded 2-core machine,
        # first audio 1241 -> 656 ms and a whole sentence 2879 -> 1811 ms without spinning.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")

        def session(model: str | bytes) -> Any:
            return onnxruntime.InferenceSession(model, options, providers=providers)

        try:  # any failure to cut (reading the graph, extracting a part): run it whole
            parts = _split(model_path)
            if parts is not None:
                cut, front, flow, decoder = parts
                self._front_session = session(front)
                self._flow = None if flow is None else session(flow)
                self._decoder = session(decoder)
                self.cut, self.streams = cut, True
                self.flow_context = None if flow is None else FLOW_CONTEXT_FRAMES
        except Exception as err:  # onnxruntime rejects a cut it cannot run: run it whole
            _LOGGER.warning("Cannot run %s in parts (%s): decoding whole", model_path, err)
            self.cut = None
        if self.cut is None:
            self._whole = session(model_path)
        inputs = (self._whole if self.cut is None else self._front_session).get_inputs()
        self.input_names = {i.name for i in inputs}

    def providers(self) -> list[str]:
        """The onnxruntime providers in use (first = where it runs)."""
        session = self._whole if self.cut is None else self._decoder
        providers: list[str] = session.get_providers()
        return providers

    def pieces(self, inputs: Tensors) -> Iterator[np.ndarray]:
        """Float audio of one phoneme sequence, in pieces (the caller stops iterating to cancel)."""
        if self.cut is None:
            yield self._whole.run(None, inputs)[0].reshape(-1)
            return
        front = self._front(inputs)
        frames = front[self.cut.front[0]].shape[2]
        if not self.streams:
            yield self._decode(self._latent(front), front)
            return
        latent = None
        for start, end, low, high in windows(frames, self.context):
            if latent is None and start == 0 and self.flow_context is not None:
                head = self._latent(front, min(frames, high + self.flow_context))
                audio = self._decode(head[:, :, low:high], front)
            else:
                latent = self._latent(front) if latent is None else latent
                audio = self._decode(latent[:, :, low:high], front)
            offset = (start - low) * self.hop
            yield audio[offset : offset + (end - start) * self.hop]

    def _front(self, inputs: Tensors) -> Tensors:
        assert self.cut is not None
        names = self.cut.front
        return dict(zip(names, self._front_session.run(names, inputs), strict=True))

    def _latent(self, front: Tensors, frames: int | None = None) -> np.ndarray:
        """The latent of the first `frames` frames (all when None)."""
        assert self.cut is not None
        if self._flow is None:
            return front[self.cut.latent][:, :, :frames]
        assert self.cut.prior is not None and self.cut.mask is not None
        feed = {name: front[name][:, :, :frames] for name in (self.cut.prior, self.cut.mask)}
        feed.update({name: front[name] for name in self.cut.extra})
        latent: np.ndarray = self._flow.run(None, feed)[0]
        return latent

    def _decode(self, latent: np.ndarray, front: Tensors) -> np.ndarray:
        assert self.cut is not None
        feed = {self.cut.latent: latent, **{name: front[name] for name in self.cut.extra}}
        audio: np.ndarray = self._decoder.run(None, feed)[0].reshape(-1)
        return audio

    def calibrate(self, inputs: Tensors) -> float:
        """Check pieces against whole decoding on real input, widening the contexts until they
        match (or giving up on pieces); returns the audio's peak for the caller's gain."""
        if self.cut is None:
            return float(np.max(np.abs(next(self.pieces(inputs)))))
        front = self._front(inputs)
        latent = self._latent(front)
        whole = self._decode(latent, front)
        if whole.size != latent.shape[2] * self.hop:
            _LOGGER.warning("Decoder makes %d samples per frame, not %d", whole.size, self.hop)
            self.streams = False
        elif self._check_decoder(latent, front, whole):
            self._check_flow(latent, front)
        return float(np.max(np.abs(whole)))

    def _check_decoder(self, latent: np.ndarray, front: Tensors, whole: np.ndarray) -> bool:
        while True:
            pieces = np.concatenate(
                [
                    self._decode(latent[:, :, low:high], front)[
                        (start - low) * self.hop : (end - low) * self.hop
                    ]
                    for start, end, low, high in windows(latent.shape[2], self.context)
                ]
            )
            quality = snr_db(whole, pieces)
            if quality >= MIN_SNR_DB:
                _LOGGER.debug(
                    "Decoder in pieces: %d context frames, %.0f dB", self.context, quality
                )
                return True
            if self.context >= MAX_CONTEXT_FRAMES:
                _LOGGER.warning(
                    "Pieces differ from whole decoding (%.0f dB): decoding whole", quality
                )
                self.streams = False
                return False
            self.context *= 2

    def _check_flow(self, latent: np.ndarray, front: Tensors) -> None:
        needed = min(latent.shape[2], FIRST_FRAMES + self.context)
        while self.flow_context is not None:
            head = self._latent(front, min(latent.shape[2], needed + self.flow_context))
            quality = snr_db(latent[:, :, :needed], head[:, :, :needed])
            if quality >= MIN_SNR_DB:
                _LOGGER.debug("Flow head: %d context frames, %.0f dB", self.flow_context, quality)
                return
            if self.flow_context >= MAX_CONTEXT_FRAMES:
                _LOGGER.warning("The flow's head differs (%.0f dB): first piece waits", quality)
                self.flow_context = None
                return
            self.flow_context *= 2


def _split(model_path: str) -> tuple[GraphCut, bytes, bytes | None, bytes] | None:
    """The serialized parts of the graph (front, flow or None, decoder), or None (logged)
    when it cannot be cut."""
    try:
        import onnx
        from onnx.utils import Extractor
    except ImportError:
        _LOGGER.info("The onnx package is not installed: each sentence is decoded whole")
        return None
    model = onnx.load(model_path)
    cut = find_cut(model.graph)
    if cut is None:
        _LOGGER.info("No Piper decoder found in %s: each sentence is decoded whole", model_path)
        return None
    outputs = [output.name for output in model.graph.output]
    inputs = [graph_input.name for graph_input in model.graph.input]
    try:
        extractor = Extractor(model)
        decoder = extractor.extract_model([cut.latent, *cut.extra], outputs[:1])
    except Exception as err:  # onnx raises several kinds for graphs it cannot cut
        _LOGGER.warning("Cannot cut %s before its decoder (%s): decoding whole", model_path, err)
        return None
    flow = None
    if cut.prior and cut.mask:
        try:
            flow_model = extractor.extract_model(cut.front, [cut.latent])
            flow = flow_model.SerializeToString()
        except Exception as err:
            _LOGGER.info("Cannot cut %s before its flow (%s)", model_path, err)
    if flow is None:
        cut = GraphCut(cut.latent, cut.condition)
    front = extractor.extract_model(inputs, cut.front)
    return cut, front.SerializeToString(), flow, decoder.SerializeToString()
