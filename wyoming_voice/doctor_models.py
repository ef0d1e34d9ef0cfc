"""Models on disk (Whisper folders, Piper voices, GGUF files) and the memory they need."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .doctor_system import Check

GIB = 1024**3


def size(n: float) -> str:
    """Bytes in MiB or GiB."""
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 1024**2:.1f} MiB"


@dataclass(frozen=True)
class Model:
    """A model file (or CTranslate2 folder) found on disk; kind is stt, tts or llm."""

    kind: str
    path: Path
    size: int


def default_model_dirs() -> list[Path]:
    """Where `up`, the systemd units and the Hugging Face hub keep models."""
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    dirs = [data / "wyoming-voice", Path.home() / ".cache" / "huggingface" / "hub"]
    for service in ("stt", "tts", "llm"):
        dirs += [
            Path(f"/var/lib/wyoming-voice-{service}"),
            Path(f"/var/cache/wyoming-voice-{service}"),
        ]
    return dirs


def find_models(dirs: Sequence[Path]) -> list[Model]:
    """CTranslate2 Whisper folders (model.bin), Piper voices (.onnx + .onnx.json), GGUF files."""
    found: dict[Path, Model] = {}
    for root in dirs:
        for dirpath, _dirs, files in os.walk(root, followlinks=True):
            folder = Path(dirpath)
            for name in files:
                path = folder / name
                if name == "model.bin" and (folder / "config.json").exists():
                    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
                    found[folder.resolve()] = Model("stt", folder, size)
                elif name.endswith(".onnx") and (folder / f"{name}.json").exists():
                    found[path.resolve()] = Model("tts", path, path.stat().st_size)
                elif name.endswith(".gguf"):
                    found[path.resolve()] = Model("llm", path, path.stat().st_size)
    return sorted(found.values(), key=lambda m: (m.kind, str(m.path)))


def ram_bytes() -> tuple[int, int] | None:
    """(total, available) RAM from /proc/meminfo."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
        fields = {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in lines)}
        return fields["MemTotal"], fields["MemAvailable"]
    except (OSError, KeyError, ValueError):
        return None


def memory_report(
    models: Sequence[Model], measured: dict[Path, int], vram: int | None
) -> list[Check]:
    """Per-model memory and the stack's total (the largest model of each kind) vs RAM/VRAM."""
    checks: list[Check] = []
    largest: dict[str, Model] = {}
    for model in models:
        rss = measured.get(model.path)
        how = f"RSS +{size(rss)} measured" if rss is not None else "file size"
        detail = f"{model.kind} {model.path}: {size(model.size)} ({how})"
        checks.append(Check("model", "ok", detail))
        if model.kind not in largest or model.size > largest[model.kind].size:
            largest[model.kind] = model
    if not largest:
        return [*checks, Check("model", "info", "no models found (the embedded engines need none)")]
    total = sum(measured.get(m.path, m.size) for m in largest.values())
    names = ", ".join(f"{kind} {model.path.name}" for kind, model in largest.items())
    how = "measured" if measured else "estimated from file sizes; --measure loads them"
    checks.append(Check("memory", "info", f"stack: about {size(total)} for {names} ({how})"))
    ram = ram_bytes()
    if ram:
        checks.append(
            Check("memory", "ok", f"RAM {ram[1] / GIB:.1f} of {ram[0] / GIB:.1f} GiB free")
        )
    budget, where = (vram, "VRAM") if vram else (ram[1] if ram else None, "free RAM")
    if budget is not None and total > budget:
        fix = "choose smaller or more quantized models (an int8 Whisper, a Q4 GGUF)"
        detail = f"the models ({total / GIB:.1f} GiB) exceed {where} ({budget / GIB:.1f} GiB)"
        checks.append(Check("memory", "FAIL", detail, fix))
    elif vram:
        checks.append(
            Check("memory", "ok", f"fits in VRAM: {total / GIB:.1f} of {vram / GIB:.1f} GiB")
        )
    return checks
