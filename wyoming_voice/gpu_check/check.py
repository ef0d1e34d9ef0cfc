"""`script/gpu-check` / `wyoming-voice gpu-check`: run STT, the agent's model and TTS on a CUDA
GPU and print per-stage latency; random-weight models of the real architectures are built on
the spot when no weights are given (a GPU box may have no network). "no GPU" exits 0."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from wyoming_common.config import EnvArgumentParser, positive_int

from .stages import StageError, StageResult, llm_stage, stt_stage, tts_stage

DEFAULT_WORK_DIR = Path("~/.cache/wyoming-voice/gpu-check")


def gpu_name() -> str | None:
    """The first NVIDIA GPU's name, or None when there is none (or no driver)."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        listing = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in listing.stdout.splitlines() if line.strip()]
    return names[0] if names else None


def build_parser(prog: str) -> EnvArgumentParser:
    """Flags of the GPU check."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix="WYOMING_GPU_CHECK",
        description=__doc__,
    )
    parser.add_argument("--whisper-model", type=Path, help="a CTranslate2 Whisper folder to use")
    parser.add_argument("--llm-model", type=Path, help="a GGUF file to use")
    parser.add_argument("--piper-voice", type=Path, help="a Piper .onnx voice to use")
    parser.add_argument(
        "--llm-shape",
        choices=("llama-3.2-3b", "llama-3.1-8b"),
        default="llama-3.2-3b",
        help="shape of the random GGUF built when --llm-model is not given",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="where random-weight models are built (and reused)",
    )
    parser.add_argument("--runs", type=positive_int, default=5, help="timed runs per stage")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    parser.add_argument(
        "--cpu-smoke",
        action="store_true",
        help="run the same stages on the CPU with tiny random models (checks this script)",
    )
    return parser


def _models(args: argparse.Namespace) -> tuple[Callable[[], Path], ...]:
    """Lazy model paths: given ones, else random ones of the real (or, smoke, tiny) shapes."""
    from .llama_model import SHAPES, TINY_LLAMA, build_random_llama
    from .piper_model import build_random_piper
    from .whisper_model import LARGE_V3_TURBO, WhisperShape, build_random_whisper

    work = args.work_dir.expanduser()
    whisper_shape = WhisperShape(64, 2, 2, 2, 80, 51866) if args.cpu_smoke else LARGE_V3_TURBO
    llm_shape = TINY_LLAMA if args.cpu_smoke else SHAPES[args.llm_shape]

    def whisper() -> Path:
        folder = work / f"whisper-{whisper_shape.d_model}x{whisper_shape.encoder_layers}"
        if args.whisper_model:
            return Path(args.whisper_model)
        return (
            folder
            if (folder / "model.bin").exists()
            else build_random_whisper(folder, whisper_shape)
        )

    def llm() -> Path:
        path = work / f"random-{llm_shape.name}.f16.gguf"
        if args.llm_model:
            return Path(args.llm_model)
        return path if path.exists() else build_random_llama(work, llm_shape)

    def piper() -> Path:
        path = work / "random-medium.onnx"
        if args.piper_voice:
            return Path(args.piper_voice)
        return path if path.exists() else build_random_piper(work)

    return whisper, llm, piper


def run_checks(args: argparse.Namespace, cuda: bool) -> list[StageResult]:
    """Every stage; one failing does not stop the others."""
    whisper, llm, piper = _models(args)
    stages = (("stt", stt_stage, whisper), ("llm", llm_stage, llm), ("tts", tts_stage, piper))
    results = []
    for name, stage, model in stages:
        try:
            results.append(stage(model(), cuda, args.runs))
        except (StageError, ImportError, OSError, RuntimeError, ValueError) as err:
            results.append(StageResult(name, "-", "cuda" if cuda else "cpu", error=str(err)))
    return results


def format_results(device: str, results: Sequence[StageResult]) -> str:
    """A small table: load, first call, median of the timed runs."""
    lines = [
        f"GPU check on {device}",
        f"  {'stage':<5} {'model':<34} {'device':<16} {'load s':>7} {'first s':>8} {'p50 s':>8}",
    ]
    for result in results:
        if result.error:
            lines.append(f"  {result.stage:<5} FAILED: {result.error}")
            continue
        lines.append(
            f"  {result.stage:<5} {result.model[:34]:<34} {result.device:<16} "
            f"{result.load_s:7.2f} {result.first_s:8.3f} {result.p50_s:8.3f}"
        )
        for key, value in result.extra.items():
            lines.append(f"        {key}: {value:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice gpu-check") -> int:
    """0: every stage ran (or there is no GPU); 1: a stage failed on the GPU."""
    args = build_parser(prog).parse_args(argv)
    name = gpu_name()
    if name is None and not args.cpu_smoke:
        print("no GPU: nvidia-smi finds no NVIDIA GPU here; nothing to check (see docs/gpu.md)")
        return 0
    device = "CPU (smoke test, tiny random models)" if args.cpu_smoke else str(name)
    results = run_checks(args, cuda=not args.cpu_smoke)
    if not args.json:
        print(format_results(device, results))
    print(json.dumps({"gpu_check": device, "stages": [r.as_dict() for r in results]}))
    return 1 if any(result.error for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
