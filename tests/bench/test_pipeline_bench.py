"""`bench pipeline --real`: which models it picks, and a clear error when they are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_pipeline.errors import PipelineError
from wyoming_voice.bench import pipeline
from wyoming_voice.bench.pipeline_real import OPEN_QUESTIONS, question_turns, stack_models
from wyoming_voice.bench.real_models import real_models


def _touch(*paths: Path) -> None:
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def test_prefers_qwen_1_5b_and_falls_back_to_0_5b(tmp_path: Path) -> None:
    models = real_models(tmp_path)
    _touch(models.whisper_base / "model.bin", models.piper_joe, models.qwen_0_5b)
    models.whisper_base.mkdir(exist_ok=True)
    assert stack_models(models, None).llm == models.qwen_0_5b
    _touch(models.qwen_1_5b)
    assert stack_models(models, None).llm == models.qwen_1_5b
    other = tmp_path / "other.gguf"
    _touch(other)
    assert stack_models(models, other).llm == other


def test_missing_models_name_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(PipelineError) as error:
        stack_models(real_models(tmp_path), None)
    assert "fetch-real-models" in str(error.value)
    assert "faster-whisper-base" in str(error.value)


def test_real_run_without_models_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio = tmp_path / "audio"
    audio.mkdir()
    (audio / "x.wav").touch()
    code = pipeline.main(["--real", "--models", str(tmp_path / "none"), "--audio", str(audio)])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: models: missing")


def test_open_questions_are_capped() -> None:
    assert len(question_turns(99)) == len(OPEN_QUESTIONS)
    assert [turn.text for turn in question_turns(2)] == list(OPEN_QUESTIONS[:2])
