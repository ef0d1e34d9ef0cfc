"""Random-weight Piper voices of the real "medium" architecture (VITS, 22.05 kHz).

The architecture ships as a skeleton: a medium voice's ONNX graph with its weights removed
(`piper_medium.skeleton.gz`, ~60 KB) plus the mean and spread of each weight tensor, so the
random weights have the real magnitudes (durations, and so the audio length, stay realistic).
`build_random_piper` fills the weights in; `make_skeleton` regenerates the skeleton from any
medium voice. Nothing here needs the network.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np

SKELETON = Path(__file__).with_name("piper_medium.skeleton.gz")
_KEEP_ELEMENTS = 16  # small tensors (shapes, scalars, tiny biases) stay as they were
_FLOAT = 1  # onnx.TensorProto.FLOAT


def make_skeleton(voice: Path, output: Path = SKELETON) -> Path:
    """Strip a Piper voice's weights, keep its graph, config and weight statistics."""
    import onnx

    model = onnx.load(str(voice))
    stats: dict[str, list[float]] = {}
    for tensor in model.graph.initializer:
        values = onnx.numpy_helper.to_array(tensor)
        if tensor.data_type == _FLOAT and values.size > _KEEP_ELEMENTS:
            stats[tensor.name] = [float(values.mean()), float(values.std())]
            tensor.ClearField("raw_data")
            tensor.ClearField("float_data")
    config = json.loads(Path(f"{voice}.json").read_text(encoding="utf-8"))
    header = json.dumps({"config": config, "stats": stats}).encode()
    with gzip.open(output, "wb", compresslevel=9) as out:
        out.write(len(header).to_bytes(8, "little"))
        out.write(header)
        out.write(model.SerializeToString())
    return output


def build_random_piper(output_dir: Path, *, seed: int = 1234) -> Path:
    """Write `random-medium.onnx` + `.onnx.json` of the medium architecture; returns the .onnx."""
    import onnx

    with gzip.open(SKELETON, "rb") as source:
        size = int.from_bytes(source.read(8), "little")
        header: dict[str, Any] = json.loads(source.read(size))
        model = onnx.ModelProto.FromString(source.read())
    rng = np.random.default_rng(seed)
    for tensor in model.graph.initializer:
        if tensor.name in header["stats"]:
            mean, std = header["stats"][tensor.name]
            values = rng.normal(mean, std, size=tuple(tensor.dims)).astype(np.float32)
            tensor.raw_data = values.tobytes()
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / "random-medium.onnx"
    onnx.save(model, str(path))
    Path(f"{path}.json").write_text(json.dumps(header["config"], indent=2), encoding="utf-8")
    return path


def main() -> int:
    """`python -m wyoming_voice.gpu_check.piper_model VOICE.onnx`: regenerate the skeleton."""
    import sys

    if len(sys.argv) != 2:
        print("usage: python -m wyoming_voice.gpu_check.piper_model MEDIUM_VOICE.onnx")
        return 2
    print(make_skeleton(Path(sys.argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
