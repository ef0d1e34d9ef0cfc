"""What every service command does around its main coroutine: logging set up once, and the
exit code (0 clean stop, 1 cannot run, 2 configuration error)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from .errors import ConfigError, WyomingVoiceError


def setup_logging(debug: bool, log_format: str = "%(levelname)s %(name)s: %(message)s") -> None:
    """Configure root logging once for a command."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=log_format)
    if not debug:
        for noisy in (
            "zeroconf",
            "asyncio",
            "huggingface_hub",
            "faster_whisper",
            "httpx",
            "httpx2",
        ):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def run_service(prog: str, main: Coroutine[Any, Any, None]) -> int:
    """asyncio.run(main) for a service command; returns its exit code.

    0 after a clean stop (SIGTERM/SIGINT/Ctrl-C), 2 for a configuration error (systemd units
    do not restart on it), 1 when the service cannot start or run (model, port, hardware).
    """
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        return 0
    except ConfigError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except (WyomingVoiceError, OSError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    return 0
