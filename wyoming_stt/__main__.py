"""`wyoming-voice stt` / `python -m wyoming_stt`: wiring only."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Sequence

from wyoming_common.config import parse_or_exit
from wyoming_common.metrics import Metrics
from wyoming_common.runner import ServiceRunner, run_service, setup_logging
from wyoming_common.worker import ModelWorker

from .engines import build_transcriber, load_transcriber
from .handler import SttEventHandler
from .info import build_info
from .settings import build_parser, settings_from_args

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice stt") -> int:
    """Run the speech-to-text server until SIGTERM/SIGINT."""
    settings = parse_or_exit(build_parser(prog), argv, settings_from_args)
    setup_logging(settings.service.debug, settings.service.log_format)
    transcriber = build_transcriber(settings)
    worker = ModelWorker("stt")
    metrics = Metrics()
    handler_factory = functools.partial(
        SttEventHandler,
        transcriber=transcriber,
        worker=worker,
        info=functools.partial(build_info, transcriber),
        max_seconds=settings.max_seconds,
        metrics=metrics,
    )
    runner = ServiceRunner(
        settings.service,
        handler_factory,
        service="stt",
        load=functools.partial(load_transcriber, transcriber, worker),
        metrics=metrics,
    )
    try:
        return run_service(prog, runner.run_forever())
    finally:
        transcriber.close()


if __name__ == "__main__":
    sys.exit(main())
