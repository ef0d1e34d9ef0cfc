"""`wyoming-voice satellite` / `python -m satellite`: wiring only."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from wyoming_common.command import run_service, setup_logging

from .assembly import build_satellite, serve_satellite
from .devices.listing import format_devices
from .settings import SatelliteSettings, parse_satellite_settings


async def _serve(settings: SatelliteSettings) -> None:
    await serve_satellite(settings, await build_satellite(settings))


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice satellite") -> int:
    """Run the satellite until SIGTERM/SIGINT."""
    settings = parse_satellite_settings(argv, prog)
    if settings.list_devices:
        print(format_devices())
        return 0
    setup_logging(settings.service.debug, settings.service.log_format)
    return run_service(prog, _serve(settings))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], "python -m satellite"))
