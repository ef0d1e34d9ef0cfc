"""`wyoming-voice doctor`: check the installation and say how to fix what is wrong.

Versions, engines (what each service would really run), GPUs (as CTranslate2, llama.cpp and
onnxruntime see them), models on disk, ports (free, ours, reachable by a Home Assistant on
another machine), Home Assistant, and memory: file sizes as an estimate, or the resident memory
each model really adds when loaded in a subprocess (`--measure`), summed into a RAM/VRAM budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from wyoming_common.config import option, parse_settings, positive_float
from wyoming_common.discovery import routable_address
from wyoming_common.errors import ConfigError

from .doctor_models import default_model_dirs, find_models, memory_report
from .doctor_network import check_hass, check_port
from .doctor_system import (
    Check,
    check_gpu,
    check_llm_engines,
    check_stt_engines,
    check_tts_engines,
    check_versions,
    probe,
)

__all__ = ["Check", "DoctorSettings", "main", "run_checks"]

DESCRIPTION = (
    "Check the installation: versions, engines, GPUs, models, ports, Home Assistant and memory. "
    "Prints a fix for each problem; exits 1 when there is one."
)


@dataclass(frozen=True)
class DoctorSettings:
    """What to check."""

    hass_url: str | None = option(None, help="check Home Assistant at this URL")
    hass_token_file: str | None = option(None, help="with --hass-url: the token file to try")
    ports: str = option("10300,10200,10500,10700", help="ports to check")
    host: str = option("0.0.0.0", help="address the services listen on")
    data_dirs: tuple[str, ...] = option(
        (), flag="--data-dir", repeat=True, help="more model folders (repeatable)"
    )
    measure: bool = option(False, help="load each model in a subprocess and measure it")
    gpu: bool = option(True, env=False, help="skip the GPU probe")
    timeout: float = option(10.0, type=positive_float, help="network timeout")

    def __post_init__(self) -> None:
        try:
            self.port_numbers  # noqa: B018 (validates)
        except ValueError as err:
            raise ConfigError("--ports", f"expected port numbers, got {self.ports!r}") from err

    @property
    def port_numbers(self) -> list[int]:
        """--ports as numbers."""
        return [int(p) for p in self.ports.replace(",", " ").split()]

    @property
    def hass_elsewhere(self) -> bool:
        """True when --hass-url names another machine (loopback-only services are then broken)."""
        host = urlparse(self.hass_url or "").hostname
        if not host:
            return False
        return host not in ("localhost", "127.0.0.1", "::1", routable_address())


async def port_checks(settings: DoctorSettings) -> list[Check]:
    """Each --ports entry; loopback-only services fail when --hass-url is another machine."""
    checks = []
    for port in settings.port_numbers:
        check = await check_port(settings.host, port)
        if check.status == "warn" and "127.0.0.1 only" in check.detail and settings.hass_elsewhere:
            check = Check(check.area, "FAIL", check.detail, check.fix)
        checks.append(check)
    return checks


async def run_checks(settings: DoctorSettings) -> list[Check]:
    """Every check, in report order."""
    models = find_models([*map(Path, settings.data_dirs), *default_model_dirs()])
    voices = [model.path.name.removesuffix(".onnx") for model in models if model.kind == "tts"]
    checks = check_versions()
    checks += [check_stt_engines(), *check_tts_engines(voices), check_llm_engines()]
    gpu, vram = await asyncio.to_thread(check_gpu) if settings.gpu else ([], None)
    measured: dict[Path, int] = {}
    if settings.measure:
        for model in models:
            rss = (await asyncio.to_thread(probe, "measure", model.kind, str(model.path))).get(
                "rss"
            )
            if isinstance(rss, int):
                measured[model.path] = rss
    checks += gpu + memory_report(models, measured, vram)
    checks += await port_checks(settings)
    if settings.hass_url and not settings.hass_token_file:
        checks.append(Check("hass", "FAIL", "--hass-url needs --hass-token-file", "add it"))
    elif settings.hass_url and settings.hass_token_file:
        token = Path(settings.hass_token_file)
        checks.append(await check_hass(settings.hass_url, token, settings.timeout))
    return checks


def main(argv: Sequence[str], prog: str = "wyoming-voice doctor") -> int:
    """Print the findings; exit 1 if anything FAILed."""
    settings: DoctorSettings = parse_settings(
        DoctorSettings, argv, prog=prog, env_prefix="WYOMING_DOCTOR", description=DESCRIPTION
    )
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        print(f"{check.status:>4}  {check.area:<8} {check.detail}")
        if check.fix:
            print(f"{'':15}fix: {check.fix}")
    failed = sum(check.status == "FAIL" for check in checks)
    print(f"\n{failed} problem(s) to fix." if failed else "\nNo problems found.")
    return 1 if failed else 0
