"""script/gpu-check: "no GPU" exits 0; every stage runs (on the CPU, tiny models) and reports;
the random-weight builders write models the real engines load, in the real shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_voice.gpu_check import check
from wyoming_voice.gpu_check.llama_model import LLAMA_3B, TINY_LLAMA, build_random_llama
from wyoming_voice.gpu_check.piper_model import build_random_piper
from wyoming_voice.gpu_check.whisper_model import LARGE_V3_TURBO, build_vocabulary

REPO = Path(__file__).resolve().parents[2]


def test_without_a_gpu_it_says_so_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check, "gpu_name", lambda: None)
    assert check.main([]) == 0
    assert capsys.readouterr().out.startswith("no GPU")


def test_script_runs_every_stage_on_the_cpu_with_tiny_models(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REPO / "script" / "gpu-check"), "--cpu-smoke", "--runs", "1", "--json"],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "WYOMING_GPU_CHECK_WORK_DIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    stages = {stage["stage"]: stage for stage in report["stages"]}
    assert set(stages) == {"stt", "llm", "tts"}
    for stage in stages.values():
        assert stage["error"] is None
        assert stage["p50_s"] > 0
    assert stages["llm"]["eval_tokens_per_s"] > 0
    assert stages["tts"]["audio_s"] > 0.5  # the random voice speaks for a realistic time


def test_a_failing_stage_is_reported_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.gguf"
    code = check.main(
        [
            "--cpu-smoke",
            "--runs",
            "1",
            "--llm-model",
            str(missing),
            "--work-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "llm   FAILED:" in out
    assert "stt   whisper" in out and "tts   random-medium.onnx" in out


def test_whisper_vocabulary_has_the_real_size() -> None:
    vocabulary = build_vocabulary((), LARGE_V3_TURBO.vocabulary_size)
    assert len(vocabulary.tokens) == 51866
    assert LARGE_V3_TURBO.n_mels == 128 and LARGE_V3_TURBO.encoder_layers == 32


def test_random_llama_has_the_llama_layout(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    path = build_random_llama(tmp_path, TINY_LLAMA)
    reader = gguf.GGUFReader(str(path))
    names = {tensor.name for tensor in reader.tensors}
    assert "blk.1.ffn_down.weight" in names and "output.weight" in names
    assert len(names) == 3 + 9 * TINY_LLAMA.layers
    assert LLAMA_3B.kv_width == 1024


def test_random_piper_voice_has_the_medium_architecture(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    path = build_random_piper(tmp_path)
    model = onnx.load(str(path))
    assert len(model.graph.initializer) == 401
    config = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    assert config["audio"] == {"sample_rate": 22050, "quality": "medium"}
    assert sys.getsizeof(model.SerializeToString()) > 50_000_000
