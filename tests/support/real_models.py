"""The real, trained models for tests marked `real_models` (fetched by `.ci/run`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wyoming_voice.bench.real_models import RealModels, real_models


def require_real_models(*pick: str) -> RealModels:
    """The real models, with every named property (e.g. "whisper_base") present.

    Missing files fail the test under CI (`.ci/run` fetches them) and skip it elsewhere, with
    the command that fetches them.
    """
    models = real_models()
    missing = models.missing(*(getattr(models, name) for name in pick))
    if missing:
        message = (
            f"real models missing: {', '.join(map(str, missing))} "
            f"(../shared/models/fetch-real-models {models.root} [--set all])"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return models


def model_path(name: str) -> Path:
    """One real model file or folder by property name (see RealModels)."""
    path: Path = getattr(require_real_models(name), name)
    return path
